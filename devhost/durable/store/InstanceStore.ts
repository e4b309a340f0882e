import { odata, RestError, TableClient, TableEntity, TableTransaction } from '@azure/data-tables';
import { RecordedEvent } from '../replay/RecordedEvent';
import { DurableStoreError } from './DurableStoreError';
import { InstanceRecord } from './InstanceRecord';
import { LargeMessageStore } from './LargeMessageStore';
import { RuntimeStatus } from './RuntimeStatus';
import { getText, putText } from './LargeText';
import { TaskHubNames } from './TaskHubNames';

/** A page of a query over instances. */
export interface InstancePage {
  instances: InstanceRecord[];
  continuationToken?: string;
}

export interface InstanceQuery {
  createdTimeFrom?: Date;
  createdTimeTo?: Date;
  runtimeStatus?: RuntimeStatus[];
  instanceIdPrefix?: string;
}

const MAX_BATCH = 100;
/**
 * A text property longer than this goes to the large-message container and the row keeps the
 * blob name (`<Name>Blob`): a table entity holds at most 1 MiB (a 1 MiB input is 2 MiB as
 * UTF-16), and a batch of history rows at most 4 MiB. The extension keeps large history and
 * instance properties in blobs the same way.
 */
const MAX_ROW_TEXT = 60 * 1024;

/**
 * The task hub's tables: one row per instance (`{hub}Instances`, PartitionKey = instance id)
 * and one row per history event (`{hub}History`, PartitionKey = instance id, RowKey =
 * `executionId|seq`). Instance rows change only under If-Match, so two writers never both win.
 */
export class InstanceStore {
  private readonly instances: TableClient;
  private readonly history: TableClient;

  constructor(connectionString: string, names: TaskHubNames, private readonly largeTexts?: LargeMessageStore) {
    const opts = { allowInsecureConnection: true };
    this.instances = TableClient.fromConnectionString(connectionString, names.instancesTable, opts);
    this.history = TableClient.fromConnectionString(connectionString, names.historyTable, opts);
  }

  async ensure(): Promise<void> {
    for (const t of [this.instances, this.history]) {
      try { await t.createTable(); } catch (e) { if ((e as RestError).statusCode !== 409) throw e; }
    }
  }

  async read(instanceId: string): Promise<InstanceRecord | undefined> {
    try {
      return await this.fromEntity(await this.instances.getEntity<Record<string, unknown>>(instanceId, ''));
    } catch (e) {
      if ((e as RestError).statusCode === 404) return undefined;
      throw e;
    }
  }

  /** Inserts a new instance row; `undefined` when one exists already. */
  async insert(record: InstanceRecord): Promise<string | undefined> {
    try {
      const r = await this.instances.createEntity(await this.toEntity(record));
      return r.etag;
    } catch (e) {
      if ((e as RestError).statusCode === 409) return undefined;
      throw e;
    }
  }

  /** Replaces the instance row if it still has `etag`; returns the new ETag. */
  async replace(record: InstanceRecord, etag: string): Promise<string> {
    try {
      const r = await this.instances.updateEntity(await this.toEntity(record), 'Replace', { etag });
      return r.etag ?? '';
    } catch (e) {
      const status = (e as RestError).statusCode;
      if (status === 412 || status === 404) {
        throw new DurableStoreError('EtagMismatch', `Instance ${record.instanceId} changed under us; the episode will be retried.`, { retryable: true, cause: e });
      }
      throw e;
    }
  }

  async delete(instanceId: string, etag?: string): Promise<void> {
    try { await this.instances.deleteEntity(instanceId, '', etag ? { etag } : undefined); } catch (e) {
      if ((e as RestError).statusCode !== 404) throw e;
    }
  }

  /** The committed history of one execution: the first `count` rows. */
  async readHistory(instanceId: string, executionId: string, count: number): Promise<RecordedEvent[]> {
    if (count === 0) return [];
    const rows = this.history.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq ${instanceId} and RowKey ge ${executionId + '|'} and RowKey lt ${executionId + '}'}` },
    });
    const pending: Array<Promise<RecordedEvent>> = [];
    for await (const row of rows) {
      if (pending.length >= count) break;
      const meta = getText(row, 'Meta');
      pending.push(this.readText(row, 'Event').then((event) => ({ event: JSON.parse(event!), meta: meta ? JSON.parse(meta) : undefined })));
    }
    const out = await Promise.all(pending);
    if (out.length < count) throw new Error(`History of ${instanceId} has ${out.length} rows, the instance row says ${count}.`);
    return out;
  }

  /** Writes history rows from sequence number `start` on (upserts: a retried episode overwrites). */
  async writeHistory(instanceId: string, executionId: string, start: number, events: RecordedEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += MAX_BATCH) {
      const tx = new TableTransaction();
      const entities = await Promise.all(events.slice(i, i + MAX_BATCH).map(async (r, j) => {
        const entity: TableEntity<Record<string, unknown>> = { partitionKey: instanceId, rowKey: historyRowKey(executionId, start + i + j) };
        await this.writeText(entity, instanceId, 'Event', JSON.stringify(r.event));
        if (r.meta) putText(entity, 'Meta', JSON.stringify(r.meta));
        return entity;
      }));
      for (const entity of entities) tx.upsertEntity(entity, 'Replace');
      await this.history.submitTransaction(tx.actions);
    }
  }

  /** Deletes the history rows of an instance (of one execution, or all). */
  async deleteHistory(instanceId: string, executionId?: string): Promise<void> {
    const filter = executionId
      ? odata`PartitionKey eq ${instanceId} and RowKey ge ${executionId + '|'} and RowKey lt ${executionId + '}'}`
      : odata`PartitionKey eq ${instanceId}`;
    const keys: string[] = [];
    for await (const row of this.history.listEntities({ queryOptions: { filter, select: ['RowKey'] } })) keys.push(row.rowKey!);
    for (let i = 0; i < keys.length; i += MAX_BATCH) {
      await this.history.submitTransaction(keys.slice(i, i + MAX_BATCH).map((rowKey) => ['delete', { partitionKey: instanceId, rowKey }]));
    }
  }

  async query(q: InstanceQuery, pageSize: number, continuationToken?: string): Promise<InstancePage> {
    const iter = this.instances.listEntities<Record<string, unknown>>({ queryOptions: { filter: instanceFilter(q) } })
      .byPage({ maxPageSize: pageSize, continuationToken });
    const page = await iter.next();
    if (page.done || !page.value) return { instances: [] };
    return { instances: await Promise.all(page.value.map((e) => this.fromEntity(e))), continuationToken: page.value.continuationToken };
  }

  /** Every instance matching `q` (for bulk purge and recovery). */
  async *all(q: InstanceQuery): AsyncIterable<InstanceRecord> {
    for await (const e of this.instances.listEntities<Record<string, unknown>>({ queryOptions: { filter: instanceFilter(q) } })) yield await this.fromEntity(e);
  }

  private async toEntity(r: InstanceRecord): Promise<TableEntity<Record<string, unknown>>> {
    const e: TableEntity<Record<string, unknown>> = {
      partitionKey: r.instanceId, rowKey: '',
      Name: r.name, Version: r.version, ExecutionId: r.executionId, RuntimeStatus: r.runtimeStatus,
      CreatedTime: r.createdTime, LastUpdatedTime: r.lastUpdatedTime, HistoryCount: r.historyCount,
    };
    await this.writeText(e, r.instanceId, 'Input', r.input);
    await this.writeText(e, r.instanceId, 'Output', r.output);
    await this.writeText(e, r.instanceId, 'CustomStatus', r.customStatus);
    if (r.parent) e.Parent = JSON.stringify(r.parent);
    if (r.parked.length) putText(e, 'Parked', JSON.stringify(r.parked));
    if (r.entity) {
      putText(e, 'EntityState', r.entity.state);
      e.EntityExists = r.entity.exists;
      putText(e, 'EntityProcessed', JSON.stringify(r.entity.processed));
      if (r.entity.queue?.length) await this.writeText(e, r.instanceId, 'EntityQueue', JSON.stringify(r.entity.queue));
      if (r.entity.lockedBy !== undefined) { e.EntityLockedBy = r.entity.lockedBy; e.EntityLockId = r.entity.lockId ?? ''; }
    }
    return e;
  }

  private async fromEntity(e: Record<string, unknown>): Promise<InstanceRecord> {
    const parked = getText(e, 'Parked');
    return {
      instanceId: e.partitionKey as string,
      name: e.Name as string,
      version: (e.Version as string) ?? '',
      executionId: e.ExecutionId as string,
      runtimeStatus: e.RuntimeStatus as RuntimeStatus,
      input: (await this.readText(e, 'Input')) ?? 'null',
      output: await this.readText(e, 'Output'),
      customStatus: await this.readText(e, 'CustomStatus'),
      createdTime: new Date(e.CreatedTime as string | Date),
      lastUpdatedTime: new Date(e.LastUpdatedTime as string | Date),
      parent: typeof e.Parent === 'string' ? JSON.parse(e.Parent) : undefined,
      historyCount: Number(e.HistoryCount ?? 0),
      parked: parked ? JSON.parse(parked) : [],
      entity: typeof e.EntityExists === 'boolean'
        ? {
          state: getText(e, 'EntityState'), exists: e.EntityExists, processed: JSON.parse(getText(e, 'EntityProcessed') ?? '[]'),
          queue: JSON.parse((await this.readText(e, 'EntityQueue')) ?? '[]'),
          lockedBy: e.EntityLockedBy as string | undefined, lockId: e.EntityLockId as string | undefined,
        }
        : undefined,
      etag: e.etag as string | undefined,
    };
  }

  /** Puts `text` in the row, or in a blob named by the row when it is too long for one. */
  private async writeText(e: Record<string, unknown>, instanceId: string, name: string, text: string | undefined): Promise<void> {
    if (text !== undefined && text.length > MAX_ROW_TEXT && this.largeTexts) {
      e[`${name}Blob`] = await this.largeTexts.putContent(instanceId, name.toLowerCase(), text);
      return;
    }
    putText(e, name, text);
  }

  private async readText(e: Record<string, unknown>, name: string): Promise<string | undefined> {
    const blob = e[`${name}Blob`];
    if (typeof blob === 'string') {
      if (!this.largeTexts) throw new Error(`Row refers to large-message blob ${blob} but the store has no large-message container.`);
      return this.largeTexts.get(blob);
    }
    return getText(e, name);
  }
}

function historyRowKey(executionId: string, seq: number): string {
  return `${executionId}|${String(seq).padStart(8, '0')}`;
}

function instanceFilter(q: InstanceQuery): string | undefined {
  const parts: string[] = [];
  if (q.createdTimeFrom) parts.push(odata`CreatedTime ge ${q.createdTimeFrom}`);
  if (q.createdTimeTo) parts.push(odata`CreatedTime le ${q.createdTimeTo}`);
  if (q.runtimeStatus?.length) parts.push('(' + q.runtimeStatus.map((s) => odata`RuntimeStatus eq ${s}`).join(' or ') + ')');
  if (q.instanceIdPrefix) parts.push(odata`PartitionKey ge ${q.instanceIdPrefix} and PartitionKey lt ${q.instanceIdPrefix + '\uffff'}`);
  return parts.length ? parts.join(' and ') : undefined;
}

