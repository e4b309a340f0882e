import { TableClient, TableEntityResult } from '@azure/data-tables';
import { BindingDefinition, FunctionRegistration } from '../core/FunctionRegistration';
import { BindingIO } from '../core/FunctionInvoker';
import { fromTypedData, TypedData } from '../core/TypedData';
import { encodeQueueMessage, QueueMessageEncoding } from '../triggers/queueMessageEncoding';
import { blobServiceFor, isStorageError, queueServiceFor } from '../triggers/StorageClients';
import { BindingData } from './BindingExpressions';

/** The binding types of the Azure Storage extension (blob, queue) and the Tables extension. */
export const STORAGE_BINDING_TYPES: readonly string[] = ['blob', 'queue', 'table'];

export interface StorageBindingsOptions {
  /** A binding's `connection` setting to a connection string (AzureWebJobsStorage by default). */
  connectionString(settingName?: string): string;
  settings: NodeJS.ProcessEnv;
  /** host.json extensions.queues.messageEncoding: how queue outputs are written. */
  queueEncoding: QueueMessageEncoding;
}

/**
 * Storage input and output bindings: `input.storageBlob`, `input.table`, `output.storageBlob`,
 * `output.storageQueue`, `output.table`, as extraInputs/extraOutputs or the `return:` binding.
 * Containers, queues and tables that do not exist are created on write, as the extensions do.
 */
export class StorageBindings implements BindingIO {
  readonly types = STORAGE_BINDING_TYPES;
  private readonly createdTables = new Set<string>();

  constructor(private readonly options: StorageBindingsOptions) {}

  async read(fn: FunctionRegistration, name: string, binding: BindingDefinition, data: BindingData): Promise<TypedData> {
    const where = `Function "${fn.name}" input binding "${name}"`;
    const connection = this.options.connectionString(binding.connection as string | undefined);
    if (binding.type.toLowerCase() === 'blob') {
      const { container, blob } = splitBlobPath(this.prop(binding, 'path', data, where), where);
      try {
        const bytes = await blobServiceFor(connection).getContainerClient(container).getBlobClient(blob).downloadToBuffer();
        // Node gets a blob input as text unless the binding says dataType "binary", as with the worker.
        return String(binding.dataType).toLowerCase() === 'binary' ? { bytes } : { string: bytes.toString('utf8') };
      } catch (e) {
        if (isStorageError(e, 404)) return NULL;
        throw e;
      }
    }
    if (binding.type.toLowerCase() === 'table') return this.readTable(binding, data, where, connection);
    throw new Error(`${where}: type ${binding.type} is not a storage binding.`);
  }

  async write(fn: FunctionRegistration, name: string, binding: BindingDefinition, value: TypedData, data: BindingData): Promise<void> {
    const where = `Function "${fn.name}" output binding "${name}"`;
    const connection = this.options.connectionString(binding.connection as string | undefined);
    const type = binding.type.toLowerCase();
    if (type === 'blob') {
      const { container, blob } = splitBlobPath(this.prop(binding, 'path', data, where), where);
      const client = blobServiceFor(connection).getContainerClient(container);
      await client.createIfNotExists();
      const bytes = toBytes(value);
      await client.getBlockBlobClient(blob).uploadData(bytes);
      return;
    }
    if (type === 'queue') {
      const queue = queueServiceFor(connection).getQueueClient(this.prop(binding, 'queueName', data, where).toLowerCase());
      await queue.createIfNotExists();
      // An array is one message per element, as the worker sends it.
      const decoded = fromTypedData(value);
      const items = Array.isArray(decoded) ? decoded : [decoded];
      for (const item of items) {
        const text = typeof item === 'string' ? item : Buffer.isBuffer(item) ? item.toString('utf8') : JSON.stringify(item);
        await queue.sendMessage(encodeQueueMessage(text, this.options.queueEncoding));
      }
      return;
    }
    if (type === 'table') {
      await this.writeTable(binding, value, data, where, connection);
      return;
    }
    throw new Error(`${where}: type ${binding.type} is not a storage binding.`);
  }

  private async readTable(binding: BindingDefinition, data: BindingData, where: string, connection: string): Promise<TypedData> {
    const table = this.tableClient(connection, this.prop(binding, 'tableName', data, where));
    const partitionKey = this.optionalProp(binding, 'partitionKey', data, where);
    const rowKey = this.optionalProp(binding, 'rowKey', data, where);
    try {
      if (partitionKey !== undefined && rowKey !== undefined) {
        return { json: JSON.stringify(toHostEntity(await table.getEntity(partitionKey, rowKey))) };
      }
      const filters = [partitionKey !== undefined && `PartitionKey eq '${partitionKey.replace(/'/g, "''")}'`, this.optionalProp(binding, 'filter', data, where)].filter(Boolean);
      const take = typeof binding.take === 'number' && binding.take > 0 ? binding.take : Infinity;
      const rows: Record<string, unknown>[] = [];
      const query = filters.length ? { queryOptions: { filter: filters.map((f) => `(${String(f)})`).join(' and ') } } : undefined;
      for await (const e of table.listEntities(query)) {
        if (rows.length >= take) break;
        rows.push(toHostEntity(e));
      }
      return { json: JSON.stringify(rows) };
    } catch (e) {
      // A missing entity (or table) binds null, as in the Tables extension.
      if (isStorageError(e, 404)) return partitionKey !== undefined && rowKey !== undefined ? NULL : { json: '[]' };
      throw e;
    }
  }

  private async writeTable(binding: BindingDefinition, value: TypedData, data: BindingData, where: string, connection: string): Promise<void> {
    const tableName = this.prop(binding, 'tableName', data, where);
    const table = this.tableClient(connection, tableName);
    const decoded = fromTypedData(value);
    const entities = (Array.isArray(decoded) ? decoded : [decoded]) as unknown[];
    const key = `${connection}|${tableName}`;
    if (!this.createdTables.has(key)) {
      await table.createTable().catch((e: unknown) => { if (!isStorageError(e, 409)) throw e; });
      this.createdTables.add(key);
    }
    for (const item of entities) {
      if (typeof item !== 'object' || item === null) throw new Error(`${where}: a table output must be an object (or an array of objects), not ${typeof item}.`);
      const { PartitionKey, RowKey, partitionKey, rowKey, ...rest } = item as Record<string, unknown>;
      const pk = PartitionKey ?? partitionKey ?? this.optionalProp(binding, 'partitionKey', data, where);
      const rk = RowKey ?? rowKey ?? this.optionalProp(binding, 'rowKey', data, where);
      if (pk === undefined || rk === undefined) throw new Error(`${where}: the entity has no PartitionKey/RowKey (set them on the entity or on the binding).`);
      // Create only, as the Tables extension's output binding: an existing entity fails the invocation.
      await table.createEntity({ ...rest, partitionKey: String(pk), rowKey: String(rk) });
    }
  }

  private tableClient(connection: string, tableName: string): TableClient {
    return TableClient.fromConnectionString(connection, tableName, { allowInsecureConnection: /^DefaultEndpointsProtocol=http;|Endpoint=http:/i.test(connection) || /UseDevelopmentStorage/i.test(connection) });
  }

  private prop(binding: BindingDefinition, property: string, data: BindingData, where: string): string {
    const v = this.optionalProp(binding, property, data, where);
    if (v === undefined || v === '') throw new Error(`${where} has no "${property}".`);
    return v;
  }

  private optionalProp(binding: BindingDefinition, property: string, data: BindingData, where: string): string | undefined {
    const raw = binding[property];
    if (raw === undefined || raw === null || raw === '') return undefined;
    return data.resolve(String(raw), this.options.settings, where);
  }
}

/** TypedData `null`: the library turns it into null, as the host binds a missing blob or entity. */
const NULL: TypedData = { json: 'null' };

function splitBlobPath(path: string, where: string): { container: string; blob: string } {
  const i = path.indexOf('/');
  if (i <= 0 || i === path.length - 1) throw new Error(`${where}: blob path "${path}" must be "<container>/<blob name>".`);
  return { container: path.slice(0, i).toLowerCase(), blob: path.slice(i + 1) };
}

function toBytes(value: TypedData): Buffer {
  if (value.bytes !== undefined) return Buffer.from(value.bytes);
  if (value.stream !== undefined) return Buffer.from(value.stream);
  if (value.string !== undefined) return Buffer.from(value.string, 'utf8');
  if (value.json !== undefined) return Buffer.from(value.json, 'utf8');
  if (value.int !== undefined) return Buffer.from(String(value.int));
  if (value.double !== undefined) return Buffer.from(String(value.double));
  return Buffer.alloc(0);
}

/** An entity as the Tables extension hands it to the worker: PartitionKey, RowKey, Timestamp, properties. */
function toHostEntity(e: TableEntityResult<Record<string, unknown>>): Record<string, unknown> {
  const { partitionKey, rowKey, timestamp, etag, ...rest } = e;
  void etag;
  for (const k of Object.keys(rest)) if (k.startsWith('odata.')) delete rest[k];
  return { PartitionKey: partitionKey, RowKey: rowKey, Timestamp: timestamp, ...rest };
}
