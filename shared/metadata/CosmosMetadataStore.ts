import type { Container, Database, FeedOptions, ItemDefinition, RequestOptions, SqlQuerySpec } from '@azure/cosmos';
import type {
  AlertTriggerDocument, AuditEvent, CosmosSystemFields, EventDocument, JobDocument, JobTaskReportDocument, RecoveryPointDocument, ResourceDocument, ResourceKind, VaultDocument,
} from './MetadataDocuments';
import type { AuditQuery, EventQuery, ListResourcesOptions, MetadataStore, Page, PageOptions, PendingOutboxes, WriteOptions } from './MetadataStore';
import { METADATA_CONTAINERS } from './MetadataStoreConfig';
import { ServiceError } from '../errors';
import { translateCosmosError } from './cosmosErrors';
import { projectionOf } from './projectionOf';
import { JobChunkCache, joinJobTasks, spillJobTasks, type JobTasksChunkDocument, type SpillableJob } from './jobTaskSpill';

const DEFAULT_PAGE = 100;

function conditions(options?: WriteOptions): RequestOptions {
  return options?.ifMatch ? { accessCondition: { type: 'IfMatch', condition: options.ifMatch } } : {};
}

/** `MetadataStore` over Cosmos DB (NoSQL API); see docs/metadata.md for the layout. */
export class CosmosMetadataStore implements MetadataStore {
  private readonly vaults: Container;
  private readonly resources: Container;
  private readonly points: Container;
  private readonly jobs: Container;
  private readonly jobTasks: Container;
  /** Chunks of spilled jobs as read: immutable by id, so kept parsed (jobTaskSpill). */
  private readonly jobChunks = new JobChunkCache();
  private readonly audit: Container;
  private readonly events: Container;
  private readonly alertTriggers: Container;

  constructor(database: Database) {
    this.vaults = database.container(METADATA_CONTAINERS.vaults);
    this.resources = database.container(METADATA_CONTAINERS.resources);
    this.points = database.container(METADATA_CONTAINERS.recoveryPoints);
    this.jobs = database.container(METADATA_CONTAINERS.jobs);
    this.jobTasks = database.container(METADATA_CONTAINERS.jobTasks);
    this.audit = database.container(METADATA_CONTAINERS.audit);
    this.events = database.container(METADATA_CONTAINERS.events);
    this.alertTriggers = database.container(METADATA_CONTAINERS.alertTriggers);
  }

  // --- generic helpers -----------------------------------------------------------------

  private async read<T>(c: Container, id: string, pk: string, what: string): Promise<T | undefined> {
    try {
      const { resource } = await c.item(id, pk).read<T & ItemDefinition>();
      return resource ?? undefined;
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw translateCosmosError(err, what);
    }
  }

  private async create<T extends object>(c: Container, doc: T, what: string): Promise<T> {
    try {
      const { resource } = await c.items.create<T & ItemDefinition>(doc as T & ItemDefinition);
      return resource as unknown as T;
    } catch (err) {
      throw translateCosmosError(err, what);
    }
  }

  private async replace<T extends { id: string }>(c: Container, doc: T, pk: string, options: WriteOptions | undefined, what: string): Promise<T> {
    try {
      const { resource } = await c.item(doc.id, pk).replace<T & ItemDefinition>(doc as T & ItemDefinition, conditions(options));
      return resource as unknown as T;
    } catch (err) {
      throw translateCosmosError(err, what);
    }
  }

  private async remove(c: Container, id: string, pk: string, options: WriteOptions | undefined, what: string): Promise<void> {
    try {
      await c.item(id, pk).delete(conditions(options));
    } catch (err) {
      throw translateCosmosError(err, what);
    }
  }

  /**
   * One page of a single-partition query. The partition filter is also written into the
   * query text: Cosmos DB routes on `partitionKey`, but the emulator ignores it, and the
   * explicit filter keeps both honest.
   */
  private async page<T>(c: Container, q: PartitionQuery, pk: string, page: PageOptions | undefined, what: string): Promise<Page<T>> {
    const where = q.where ? ` AND (${q.where})` : '';
    const query: SqlQuerySpec = {
      query: `SELECT ${q.select ?? '*'} FROM c WHERE c.${q.pkField ?? 'vaultKey'} = @pk${where}${q.orderBy ? ` ORDER BY ${q.orderBy}` : ''}`,
      parameters: [{ name: '@pk', value: pk }, ...(q.parameters ?? [])],
    };
    const options: FeedOptions = {
      partitionKey: pk,
      maxItemCount: page?.maxItemCount ?? DEFAULT_PAGE,
      continuationToken: page?.continuationToken,
    };
    try {
      const response = await c.items.query<T>(query, options).fetchNext();
      return { items: response.resources, continuationToken: response.continuationToken || undefined };
    } catch (err) {
      throw translateCosmosError(err, what);
    }
  }

  // --- vaults (partition: subscription) ------------------------------------------------

  getVault(vaultKey: string): Promise<VaultDocument | undefined> {
    return this.read<VaultDocument>(this.vaults, vaultDocumentId(vaultKey), subscriptionOf(vaultKey), `vault '${vaultKey}'`);
  }

  createVault(doc: VaultDocument): Promise<VaultDocument> {
    return this.create(this.vaults, doc, `vault '${doc.name}'`);
  }

  replaceVault(doc: VaultDocument, options?: WriteOptions): Promise<VaultDocument> {
    return this.replace(this.vaults, doc, doc.subscriptionId, options, `vault '${doc.name}'`);
  }

  deleteVault(vaultKey: string, options?: WriteOptions): Promise<void> {
    return this.remove(this.vaults, vaultDocumentId(vaultKey), subscriptionOf(vaultKey), options, `vault '${vaultKey}'`);
  }

  listVaults(subscriptionId: string, resourceGroupName: string | undefined, page?: PageOptions): Promise<Page<VaultDocument>> {
    const query: PartitionQuery = resourceGroupName === undefined
      ? { pkField: 'subscriptionId', orderBy: 'c.id' }
      : { pkField: 'subscriptionId', where: 'c.resourceGroupLower = @rg', orderBy: 'c.id', parameters: [{ name: '@rg', value: resourceGroupName.toLowerCase() }] };
    return this.page(this.vaults, query, subscriptionId.toLowerCase(), page, 'the list of vaults');
  }

  // --- configuration resources (partition: vault) --------------------------------------

  getResource<P>(vaultKey: string, id: string): Promise<ResourceDocument<P> | undefined> {
    return this.read<ResourceDocument<P>>(this.resources, id, vaultKey, `resource '${id}'`);
  }

  createResource<P>(doc: ResourceDocument<P>): Promise<ResourceDocument<P>> {
    return this.create(this.resources, doc, `${doc.kind} '${doc.name}'`);
  }

  replaceResource<P>(doc: ResourceDocument<P>, options?: WriteOptions): Promise<ResourceDocument<P>> {
    return this.replace(this.resources, doc, doc.vaultKey, options, `${doc.kind} '${doc.name}'`);
  }

  deleteResource(vaultKey: string, id: string, options?: WriteOptions): Promise<void> {
    return this.remove(this.resources, id, vaultKey, options, `resource '${id}'`);
  }

  listResources(vaultKey: string, options: ListResourcesOptions): Promise<Page<ResourceDocument>> {
    const parameters = [{ name: '@kind', value: options.kind as string }];
    let where = 'c.kind = @kind';
    if (options.parentId !== undefined) {
      where += ' AND c.parentId = @parent';
      parameters.push({ name: '@parent', value: options.parentId });
    }
    if (options.name !== undefined) {
      where += ' AND LOWER(c.name) = @name';
      parameters.push({ name: '@name', value: options.name.toLowerCase() });
    }
    const select = options.fields ? projectionOf(options.fields) : undefined;
    return this.page(this.resources, { select, where, parameters, orderBy: options.descending ? 'c.id DESC' : 'c.id' },
      vaultKey, options, `the list of ${options.kind} resources`);
  }

  async listResourcesOfKindInAllVaults(kind: ResourceKind, limit: number): Promise<ResourceDocument[]> {
    try {
      const { resources } = await this.resources.items.query<ResourceDocument>({ query: 'SELECT * FROM c WHERE c.kind = @kind', parameters: [{ name: '@kind', value: kind }] }, { maxItemCount: limit }).fetchNext();
      return resources.slice(0, limit);
    } catch (err) {
      throw translateCosmosError(err, `the ${kind} resources of all vaults`);
    }
  }

  async findReferrers(vaultKey: string, armId: string, limit = 5): Promise<ResourceDocument[]> {
    const { items } = await this.page<ResourceDocument>(this.resources, {
      where: 'ARRAY_CONTAINS(c.refs, @id)', orderBy: 'c.id',
      parameters: [{ name: '@id', value: armId.toLowerCase() }],
    }, vaultKey, { maxItemCount: limit }, `references to '${armId}'`);
    return items.slice(0, limit);
  }

  async countResources(vaultKey: string, limit: number): Promise<number> {
    const { items } = await this.page<{ id: string }>(this.resources, { select: 'c.id' },
      vaultKey, { maxItemCount: limit }, 'the vault\'s resources');
    return items.length;
  }

  // --- recovery points (partition: vault) ----------------------------------------------

  async putRecoveryPoint(doc: RecoveryPointDocument): Promise<RecoveryPointDocument> {
    try {
      const { resource } = await this.points.items.upsert<RecoveryPointDocument>(doc);
      return resource as unknown as RecoveryPointDocument;
    } catch (err) {
      throw translateCosmosError(err, `recovery point '${doc.name}'`);
    }
  }

  getRecoveryPoint(vaultKey: string, id: string): Promise<RecoveryPointDocument | undefined> {
    return this.read<RecoveryPointDocument>(this.points, id, vaultKey, `recovery point '${id}'`);
  }

  listRecoveryPoints(vaultKey: string, itemId: string, page?: PageOptions): Promise<Page<RecoveryPointDocument>> {
    return this.page(this.points, {
      where: 'c.itemId = @item', orderBy: 'c.recoveryPointTime DESC',
      parameters: [{ name: '@item', value: itemId.toLowerCase() }],
    }, vaultKey, page, 'the list of recovery points');
  }

  async deleteRecoveryPointsOf(vaultKey: string, itemId: string): Promise<number> {
    let removed = 0;
    let token: string | undefined;
    do {
      const { items, continuationToken } = await this.page<{ id: string }>(this.points, {
        select: 'c.id', where: 'c.itemId = @item',
        parameters: [{ name: '@item', value: itemId.toLowerCase() }],
      }, vaultKey, { continuationToken: token }, 'the recovery points of an item');
      for (const { id } of items) {
        try {
          await this.points.item(id, vaultKey).delete();
          removed++;
        } catch (err) {
          if ((err as { code?: number }).code !== 404) throw translateCosmosError(err, `recovery point '${id}'`);
        }
      }
      token = continuationToken;
    } while (token);
    return removed;
  }

  // --- jobs (partition: vault, TTL) ----------------------------------------------------

  // A job over the item size limit keeps its tasks in chunk documents beside it (jobTaskSpill).

  async createJob<D extends JobDocument<object>>(doc: D): Promise<D & CosmosSystemFields> {
    const { stored, chunks } = spillJobTasks(doc);
    await this.putChunks(chunks, doc.name);
    try {
      return this.withTasksOf(doc, await this.create(this.jobs, stored, `job '${doc.name}'`));
    } catch (err) {
      await this.removeChunks(doc.vaultKey, chunks.map((c) => c.id));
      throw err;
    }
  }

  async replaceJob<D extends JobDocument<object>>(doc: D, options?: WriteOptions): Promise<D & CosmosSystemFields> {
    const previous = (doc as SpillableJob).tasksSpill?.chunks ?? [];
    const { stored, chunks } = spillJobTasks(doc);
    await this.putChunks(chunks, doc.name);
    let written: D & CosmosSystemFields;
    try {
      written = await this.replace(this.jobs, stored, doc.vaultKey, options, `job '${doc.name}'`);
    } catch (err) {
      await this.removeChunks(doc.vaultKey, chunks.map((c) => c.id));
      throw err;
    }
    // The version replaced names its own chunks; nobody writes them again (a reader of it reads the job again).
    await this.removeChunks(doc.vaultKey, previous);
    return this.withTasksOf(doc, written);
  }

  async getJob<D extends JobDocument<object> = JobDocument>(vaultKey: string, id: string): Promise<D | undefined> {
    for (let attempt = 1; ; attempt++) {
      const doc = await this.read<D>(this.jobs, id, vaultKey, `job '${id}'`);
      const whole = doc && await this.joinedJob(doc);
      if (whole !== null) return whole;
      // Its chunks were replaced under us: the job was written since the read.
      if (attempt === 3) throw new ServiceError('MetadataUnavailable', `job '${id}' kept changing while it was read; retry`, { retryable: true });
    }
  }

  async getJobFields<T extends object>(vaultKey: string, id: string, fields: readonly string[]): Promise<T | undefined> {
    const { items: [found] } = await this.page<T>(this.jobs, { select: projectionOf(fields), where: 'c.id = @id', parameters: [{ name: '@id', value: id }] },
      vaultKey, { maxItemCount: 1 }, `job '${id}'`);
    return found;
  }

  async listJobs<D extends JobDocument<object> = JobDocument>(vaultKey: string, page?: PageOptions): Promise<Page<D>> {
    const listed = await this.page<D>(this.jobs, { orderBy: 'c.createdAt DESC' }, vaultKey, page, 'the list of jobs');
    return { ...listed, items: await this.wholeJobs(vaultKey, listed.items) };
  }

  /** Listed jobs whole (a job written since the listing is read again; one deleted since is left out). */
  private async wholeJobs<D extends JobDocument<object>>(vaultKey: string, docs: D[]): Promise<D[]> {
    const whole: (D | undefined)[] = await Promise.all(docs.map(async (doc): Promise<D | undefined> => (await this.joinedJob(doc)) ?? this.getJob<D>(vaultKey, doc.id)));
    return whole.filter((d): d is D => d !== undefined);
  }

  /** The job whole; `null` if a chunk it names is gone (the job was written since it was read). */
  private async joinedJob<D extends JobDocument<object>>(doc: D): Promise<D | null> {
    const spill = (doc as SpillableJob).tasksSpill;
    if (!spill) return doc;
    const chunks = await Promise.all(spill.chunks.map(async (id) => {
      const kept = this.jobChunks.get(id);
      if (kept) return kept;
      const read = await this.read<JobTasksChunkDocument>(this.jobTasks, id, doc.vaultKey, `tasks of job '${doc.name}'`);
      return read && this.jobChunks.keep(read);
    }));
    if (chunks.some((c) => !c)) return null;
    return joinJobTasks(doc as D & SpillableJob, chunks as JobTasksChunkDocument[]);
  }

  /** What a job write returns: the stored fields (ETag, spill) with the tasks the writer gave. */
  private withTasksOf<D extends JobDocument<object>>(doc: D, written: D & CosmosSystemFields): D & CosmosSystemFields {
    return (written as SpillableJob).tasksSpill ? { ...written, properties: doc.properties } : written;
  }

  private async putChunks(chunks: JobTasksChunkDocument[], jobName: string): Promise<void> {
    await Promise.all(chunks.map(async (chunk) => {
      try {
        await this.jobTasks.items.create(chunk);
      } catch (err) {
        if ((err as { code?: number }).code === 409) return; // a retried create of the same chunk
        throw translateCosmosError(err, `tasks of job '${jobName}'`);
      }
    }));
  }

  /** Best effort: a chunk left behind expires with the job's TTL. */
  private async removeChunks(vaultKey: string, ids: string[]): Promise<void> {
    await Promise.all(ids.map((id) => this.jobTasks.item(id, vaultKey).delete().catch(() => undefined)));
  }

  async putJobTaskReport<E>(doc: JobTaskReportDocument<E>): Promise<void> {
    try {
      await this.jobTasks.items.create<JobTaskReportDocument<E>>(doc);
    } catch (err) {
      if ((err as { code?: number }).code === 409) return; // written before: the same report
      throw translateCosmosError(err, `report of task '${doc.taskId}' of job '${doc.jobId}'`);
    }
  }

  async listJobTaskReports<E>(vaultKey: string, jobId: string, groupTaskId: string): Promise<JobTaskReportDocument<E>[]> {
    const all: JobTaskReportDocument<E>[] = [];
    let token: string | undefined;
    do {
      const { items, continuationToken } = await this.page<JobTaskReportDocument<E>>(this.jobTasks, {
        where: 'c.jobId = @job AND c.groupTaskId = @group', parameters: [{ name: '@job', value: jobId }, { name: '@group', value: groupTaskId }],
      }, vaultKey, { maxItemCount: 1000, continuationToken: token }, `the task reports of job '${jobId}'`);
      all.push(...items);
      token = continuationToken;
    } while (token);
    return all;
  }

  // --- replication events (partition: vault, TTL) and the outboxes that feed them ---------

  async putEvent(doc: EventDocument): Promise<void> {
    try {
      await this.events.items.create<EventDocument>(doc);
    } catch (err) {
      if ((err as { code?: number }).code === 409) return; // published before: keep its delivery state
      throw translateCosmosError(err, `event '${doc.name}'`);
    }
  }

  replaceEvent(doc: EventDocument, options?: WriteOptions): Promise<EventDocument> {
    return this.replace(this.events, doc, doc.vaultKey, options, `event '${doc.name}'`);
  }

  async listUndeliveredEvents(vaultKey: string, limit: number): Promise<EventDocument[]> {
    const { items } = await this.page<EventDocument>(this.events, { where: 'c.delivery.pending = true', orderBy: 'c.sortKey ASC' },
      vaultKey, { maxItemCount: limit }, 'events to deliver');
    return items;
  }

  async listVaultsWithUndeliveredEvents(limit: number): Promise<string[]> {
    try {
      const { resources } = await this.events.items.query<{ vaultKey: string }>('SELECT c.vaultKey FROM c WHERE c.delivery.pending = true', { maxItemCount: limit }).fetchNext();
      return [...new Set(resources.map((r) => r.vaultKey))];
    } catch (err) {
      throw translateCosmosError(err, 'events to deliver');
    }
  }

  getEvent(vaultKey: string, id: string): Promise<EventDocument | undefined> {
    return this.read<EventDocument>(this.events, id, vaultKey, `event '${id}'`);
  }

  listEvents(vaultKey: string, query: EventQuery, page?: PageOptions): Promise<Page<EventDocument>> {
    const clauses: string[] = [];
    const parameters: { name: string; value: string }[] = [];
    for (const field of ['eventCode', 'eventType', 'severity', 'affectedObjectFriendlyName', 'affectedObjectCorrelationId', 'fabricName'] as const) {
      const value = query[field];
      if (value === undefined) continue;
      clauses.push(`c.match.${field} = @${field}`);
      parameters.push({ name: `@${field}`, value: value.toLowerCase() });
    }
    if (query.startTime !== undefined) { clauses.push('c.properties.timeOfOccurrence >= @startTime'); parameters.push({ name: '@startTime', value: query.startTime }); }
    if (query.endTime !== undefined) { clauses.push('c.properties.timeOfOccurrence <= @endTime'); parameters.push({ name: '@endTime', value: query.endTime }); }
    return this.page(this.events, {
      where: clauses.length ? clauses.join(' AND ') : undefined, parameters, orderBy: 'c.sortKey DESC',
    }, vaultKey, page, 'the list of events');
  }

  async listPendingOutboxes(vaultKey: string, limit: number): Promise<PendingOutboxes> {
    const where = 'IS_DEFINED(c.outbox) AND ARRAY_LENGTH(c.outbox) > 0';
    const [resources, jobs] = await Promise.all([
      this.page<ResourceDocument>(this.resources, { where, orderBy: 'c.id' }, vaultKey, { maxItemCount: limit }, 'pending events of resources'),
      this.page<JobDocument>(this.jobs, { where, orderBy: 'c.id' }, vaultKey, { maxItemCount: limit }, 'pending events of jobs'),
    ]);
    // Whole: the outbox writes the job back without its events (a spilled job's tasks must be in it).
    return { resources: resources.items, jobs: await this.wholeJobs(vaultKey, jobs.items) };
  }

  async listVaultsWithPendingOutboxes(limit: number): Promise<string[]> {
    const query = 'SELECT c.vaultKey FROM c WHERE IS_DEFINED(c.outbox) AND ARRAY_LENGTH(c.outbox) > 0';
    const keys = new Set<string>();
    for (const c of [this.resources, this.jobs]) {
      try {
        const { resources } = await c.items.query<{ vaultKey: string }>(query, { maxItemCount: limit }).fetchNext();
        for (const r of resources) keys.add(r.vaultKey);
      } catch (err) {
        throw translateCosmosError(err, 'documents with pending events');
      }
    }
    return [...keys].slice(0, limit);
  }

  // --- alerts a rule acted on (partition: vault, TTL) ---------------------------------

  createAlertTrigger(doc: AlertTriggerDocument): Promise<AlertTriggerDocument> {
    return this.create(this.alertTriggers, doc, `alert '${doc.alertId}' of rule '${doc.rule}'`);
  }

  getAlertTrigger(vaultKey: string, id: string): Promise<AlertTriggerDocument | undefined> {
    return this.read<AlertTriggerDocument>(this.alertTriggers, id, vaultKey, `alert trigger '${id}'`);
  }

  replaceAlertTrigger(doc: AlertTriggerDocument, options?: WriteOptions): Promise<AlertTriggerDocument> {
    return this.replace(this.alertTriggers, doc, doc.vaultKey, options, `alert '${doc.alertId}' of rule '${doc.rule}'`);
  }

  // --- audit (partition: vault, TTL) ---------------------------------------------------

  async appendAudit(event: AuditEvent): Promise<void> {
    await this.create(this.audit, event, `audit event '${event.id}'`);
  }

  listAudit(vaultKey: string, page?: PageOptions, query: AuditQuery = {}): Promise<Page<AuditEvent>> {
    const clauses: string[] = [];
    const parameters: { name: string; value: string }[] = [];
    if (query.from !== undefined) { clauses.push('c.at >= @from'); parameters.push({ name: '@from', value: query.from }); }
    if (query.to !== undefined) { clauses.push('c.at <= @to'); parameters.push({ name: '@to', value: query.to }); }
    if (query.caller !== undefined) {
      // Recorded as `subject (name)` or `subject`: either part, or the whole, names the caller.
      clauses.push('(c.principal = @caller OR STARTSWITH(c.principal, @callerSubject) OR ENDSWITH(c.principal, @callerName))');
      parameters.push({ name: '@caller', value: query.caller }, { name: '@callerSubject', value: `${query.caller} (` }, { name: '@callerName', value: ` (${query.caller})` });
    }
    if (query.operation !== undefined) { clauses.push('c.action = @operation'); parameters.push({ name: '@operation', value: query.operation }); }
    if (query.outcome !== undefined) clauses.push(query.outcome === 'Succeeded' ? 'c.result.status < 400' : 'c.result.status >= 400');
    return this.page(this.audit, { where: clauses.length ? clauses.join(' AND ') : undefined, parameters, orderBy: 'c.at DESC' }, vaultKey, page, 'the audit log');
  }
}

/** A query inside one partition: the partition filter is added by `page`. */
interface PartitionQuery {
  select?: string;
  where?: string;
  parameters?: { name: string; value: string }[];
  orderBy?: string;
  pkField?: string;
}

/** Vault documents are keyed by the vault key with `/` replaced (Cosmos ids may not contain `/`). */
export function vaultDocumentId(vaultKey: string): string {
  return vaultKey.replace(/\//g, '|');
}

function subscriptionOf(vaultKey: string): string {
  return vaultKey.split('/')[0];
}
