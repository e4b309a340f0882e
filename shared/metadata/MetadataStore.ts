import type {
  AlertTriggerDocument, AuditEvent, CosmosSystemFields, EventDocument, JobDocument, JobTaskReportDocument, RecoveryPointDocument, ResourceDocument, ResourceKind, VaultDocument,
} from './MetadataDocuments';

/** Which page of a list to read. */
export interface PageOptions {
  /** At most this many items (the store may return fewer). */
  maxItemCount?: number;
  /** Opaque token from the previous page's `continuationToken`. */
  continuationToken?: string;
}

/** One page of a list; `continuationToken` is absent on the last page. */
export interface Page<T> {
  items: T[];
  continuationToken?: string;
}

/** Conditions on a write: `ifMatch` = the ETag last read (optimistic concurrency). */
export interface WriteOptions {
  ifMatch?: string;
}

export interface ListResourcesOptions extends PageOptions {
  kind: ResourceKind;
  /** Only children of this (lower-cased ARM id); absent = the whole vault. */
  parentId?: string;
  /** Newest id first (ids that sort by time, like drill runs'). */
  descending?: boolean;
  /** Only resources of this name, compared without case (one answer, not a page of the vault). */
  name?: string;
  /**
   * Only these fields of each document (dotted paths, nested as stored), for a listing that reads
   * a few fields of many documents: the answer is what the caller reads, not every document whole.
   */
  fields?: readonly string[];
}

/** Which events to list: every field is optional; string fields compare with `EventDocument.match` (lower case). */
export interface EventQuery {
  eventCode?: string;
  eventType?: string;
  severity?: string;
  affectedObjectFriendlyName?: string;
  affectedObjectCorrelationId?: string;
  fabricName?: string;
  /** ISO times, inclusive. */
  startTime?: string;
  endTime?: string;
}

/** Which audit events to list: every field optional; times ISO, inclusive. */
export interface AuditQuery {
  from?: string;
  to?: string;
  /** The caller: the whole recorded principal, its subject, or its name. */
  caller?: string;
  /** The route's action, e.g. `testFailover replicationRecoveryPlans`. */
  operation?: string;
  /** Succeeded = answered below 400; Failed = 400 and above. */
  outcome?: 'Succeeded' | 'Failed';
}

/** Documents whose outbox still holds events not yet copied to the `events` container. */
export interface PendingOutboxes {
  resources: ResourceDocument[];
  jobs: JobDocument[];
}

/**
 * The vault's metadata. Implementations throw `ServiceError`s with codes `NotFound`,
 * `Conflict`, `PreconditionFailed`, `Throttled` (retryable), `MetadataDocumentTooLarge` or
 * `MetadataUnavailable` (retryable), never HTTP codes. Reads return `undefined` only when the document is absent.
 * Every query is scoped to one partition: a vault (or, for vault lists, a subscription).
 */
export interface MetadataStore {
  getVault(vaultKey: string): Promise<VaultDocument | undefined>;
  /** Creates the vault; `Conflict` if it exists. */
  createVault(doc: VaultDocument): Promise<VaultDocument>;
  /** Replaces the vault; `PreconditionFailed` if `ifMatch` is stale, `NotFound` if gone. */
  replaceVault(doc: VaultDocument, options?: WriteOptions): Promise<VaultDocument>;
  deleteVault(vaultKey: string, options?: WriteOptions): Promise<void>;
  /** Vaults of a subscription, optionally of one resource group. */
  listVaults(subscriptionId: string, resourceGroupName: string | undefined, page?: PageOptions): Promise<Page<VaultDocument>>;

  getResource<P = Record<string, unknown>>(vaultKey: string, id: string): Promise<ResourceDocument<P> | undefined>;
  /** Creates the resource; `Conflict` if one with the same id exists. */
  createResource<P>(doc: ResourceDocument<P>): Promise<ResourceDocument<P>>;
  /** Replaces the resource; `PreconditionFailed` if `ifMatch` is stale, `NotFound` if gone. */
  replaceResource<P>(doc: ResourceDocument<P>, options?: WriteOptions): Promise<ResourceDocument<P>>;
  deleteResource(vaultKey: string, id: string, options?: WriteOptions): Promise<void>;
  listResources(vaultKey: string, options: ListResourcesOptions): Promise<Page<ResourceDocument>>;
  /** Resources of one kind in every vault, at most `limit` (a cross-partition query: the drill scheduler's, not the request path's). */
  listResourcesOfKindInAllVaults(kind: ResourceKind, limit: number): Promise<ResourceDocument[]>;
  /** Resources whose `refs` name `armId` (lower case), at most `limit` of them. */
  findReferrers(vaultKey: string, armId: string, limit?: number): Promise<ResourceDocument[]>;
  /** How many resources the vault holds, up to `limit` (for refusing to delete a vault in use). */
  countResources(vaultKey: string, limit: number): Promise<number>;

  putRecoveryPoint(doc: RecoveryPointDocument): Promise<RecoveryPointDocument>;
  getRecoveryPoint(vaultKey: string, id: string): Promise<RecoveryPointDocument | undefined>;
  listRecoveryPoints(vaultKey: string, itemId: string, page?: PageOptions): Promise<Page<RecoveryPointDocument>>;
  /** Removes every recovery point of an item (protection disabled). */
  deleteRecoveryPointsOf(vaultKey: string, itemId: string): Promise<number>;

  // Jobs: `D` is the document type its writer stored (like `P` of resources), shared/recovery's RecoveryJobDocument.
  createJob<D extends JobDocument<object>>(doc: D): Promise<D & CosmosSystemFields>;
  replaceJob<D extends JobDocument<object>>(doc: D, options?: WriteOptions): Promise<D & CosmosSystemFields>;
  getJob<D extends JobDocument<object> = JobDocument>(vaultKey: string, id: string): Promise<D | undefined>;
  /** Only these fields of a job (dotted paths, nested as stored): what a check of its state reads, not its tasks. */
  getJobFields<T extends object>(vaultKey: string, id: string, fields: readonly string[]): Promise<T | undefined>;
  listJobs<D extends JobDocument<object> = JobDocument>(vaultKey: string, page?: PageOptions): Promise<Page<D>>;
  /** Writes a machine task's report unless one with its id exists (a retried write changes nothing). */
  putJobTaskReport<E>(doc: JobTaskReportDocument<E>): Promise<void>;
  /** Every report of a group's machine tasks, in no particular order. */
  listJobTaskReports<E>(vaultKey: string, jobId: string, groupTaskId: string): Promise<JobTaskReportDocument<E>[]>;

  /** Writes a replication event unless one with its id exists: writing it again changes nothing (nor its delivery state). */
  putEvent(doc: EventDocument): Promise<void>;
  /** Replaces an event (its delivery state); `PreconditionFailed` if `ifMatch` is stale. */
  replaceEvent(doc: EventDocument, options?: WriteOptions): Promise<EventDocument>;
  /** Events still to deliver, oldest first (by `sortKey`). */
  listUndeliveredEvents(vaultKey: string, limit: number): Promise<EventDocument[]>;
  /** Vault keys with events still to deliver (cross-partition: the dispatcher's). */
  listVaultsWithUndeliveredEvents(limit: number): Promise<string[]>;
  getEvent(vaultKey: string, id: string): Promise<EventDocument | undefined>;
  /** Newest first. */
  listEvents(vaultKey: string, query: EventQuery, page?: PageOptions): Promise<Page<EventDocument>>;
  /** Resources and jobs of the vault with events in their outbox (at most `limit` of each). */
  listPendingOutboxes(vaultKey: string, limit: number): Promise<PendingOutboxes>;
  /** Vault keys with pending outboxes anywhere (a cross-partition query: the outbox sweep's, not the request path's). */
  listVaultsWithPendingOutboxes(limit: number): Promise<string[]>;

  /** Claims an alert for a rule; `Conflict` if the same rule already has it (If-None-Match: a create). */
  createAlertTrigger(doc: AlertTriggerDocument): Promise<AlertTriggerDocument>;
  getAlertTrigger(vaultKey: string, id: string): Promise<AlertTriggerDocument | undefined>;
  /** `PreconditionFailed` if `ifMatch` is stale (another delivery took the claim over). */
  replaceAlertTrigger(doc: AlertTriggerDocument, options?: WriteOptions): Promise<AlertTriggerDocument>;

  appendAudit(event: AuditEvent): Promise<void>;
  /** Newest first; `query` narrows the list (absent = every event). */
  listAudit(vaultKey: string, page?: PageOptions, query?: AuditQuery): Promise<Page<AuditEvent>>;
}
