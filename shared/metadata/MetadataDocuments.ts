/**
 * The documents the vault keeps in Cosmos DB. Names of fields inside `properties` follow ASR's
 * wire model (they cross the API boundary unchanged); the envelope fields are ours.
 */

import type { ApplicationProbe } from '../contracts/ApplicationProbe';

/** Kinds of vault-scoped configuration resources, all kept in the `resources` container. */
export type ResourceKind =
  | 'fabric'
  | 'protectionContainer'
  | 'policy'
  | 'networkMapping'
  | 'storageMapping'
  | 'protectedItem'
  | 'recoveryPlan'
  /** Source sites and their single-use registration keys (shared/sites); secrets stored hashed. */
  | 'site'
  | 'siteRegistrationKey'
  /** ASR's `replicationAlertSettings`, with our webhook targets (shared/events delivers to them). */
  | 'alertSetting'
  /** A recovery plan's drill schedule and the record of each drill it ran (shared/drills). */
  | 'drillSchedule'
  | 'drillRun'
  /** Our `replicationAlertRules`: an alert from the customer's monitoring → an action (docs/alert-rules.md). */
  | 'alertRule';

/** Fields Cosmos DB adds to every stored document. */
export interface CosmosSystemFields {
  _etag?: string;
  _ts?: number;
}

/** A vault (`Microsoft.RecoveryServices/vaults`), partitioned by subscription so a resource group's vaults list in one partition. */
export interface VaultDocument extends CosmosSystemFields {
  /** The vault key (`sub/rg/vault`, lower case). */
  id: string;
  subscriptionId: string;
  resourceGroupLower: string;
  resourceGroupName: string;
  name: string;
  armId: string;
  location: string;
  tags?: Record<string, string>;
  properties: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

/**
 * Events a state change raised, written in the same conditional write as the change itself (an
 * outbox: shared/events). `eventSequence` numbers the document's events, so they keep their order
 * per affected object and each has a stable id.
 */
export interface OutboxFields {
  outbox?: EventDocument[];
  eventSequence?: number;
}

/** One configuration resource under a vault; `kind` says which, `properties` is its ARM body. */
export interface ResourceDocument<P = Record<string, unknown>> extends CosmosSystemFields, OutboxFields {
  /** The vault-relative ARM path, lower case, `/` replaced by `|` (Cosmos ids may not contain `/`). */
  id: string;
  vaultKey: string;
  kind: ResourceKind;
  name: string;
  /** Full ARM id in the creator's spelling. */
  armId: string;
  /** Lower-cased ARM id of the parent resource (fabric, container), absent for vault children. */
  parentId?: string;
  /** Lower-cased ARM ids this resource depends on (its parent included): deletes of those are refused while this exists. */
  refs: string[];
  properties: P;
  /**
   * Protected items: the RPO threshold the item was last judged past (absent: within), kept so
   * that crossing and recovering raise one event each, not one per evaluation.
   */
  rpoAlertLevel?: 'Warning' | 'Critical';
  createdAt: string;
  updatedAt: string;
  createdBy?: string;
  updatedBy?: string;
}

/** Hyper-V-to-Azure replication policy settings (ASR's `HyperVReplicaAzurePolicyDetails`). */
export interface PolicyProperties {
  friendlyName: string;
  providerSpecificDetails: {
    instanceType: 'HyperVReplicaAzure';
    /** Seconds between replica log cuts: 30, 300 or 900. */
    replicationInterval: 30 | 300 | 900;
    /** Hours of recovery points kept, 0-24. */
    recoveryPointHistoryDurationInHours: number;
    /** Hours between app-consistent snapshots, 0-12 (0 = crash-consistent only). */
    applicationConsistentSnapshotFrequencyInHours: number;
    /** When initial replication starts (ISO time); absent = immediately. */
    onlineReplicationStartTime?: string;
    encryption: 'Enabled' | 'Disabled';
    activeStorageAccountId?: string;
  };
}

/** A protected disk of a protected item. */
export interface ProtectedDisk {
  diskId: string;
  diskName?: string;
  capacityInBytes?: number;
}

/** One entry of a protected item's `healthErrors`, in ASR's `HealthError` shape. */
export interface HealthError {
  errorCode: string;
  errorMessage: string;
  recommendedAction: string;
  /** `Error` makes the item Critical, `Warning` makes it Warning. */
  errorLevel: 'Warning' | 'Error';
  creationTimeUtc: string;
  /** The disk the error is about, or the item's name for item-wide errors. */
  entityId: string;
  errorSource: 'Replication';
}

/**
 * What the merge engine has told the protected item about one of its disks: the facts its
 * protection state, RPO and newest point derive from (shared/protection). Ours, not ASR's.
 */
export interface DiskReplicationStatus {
  diskId: string;
  /** The replica's epoch: 1 for the initial replication, higher after each resync. */
  replicationEpoch: number;
  /** The last log merged in that epoch (0 = none yet). */
  lastAppliedSequence: number;
  /** Source clock at that log's cut (ISO): the replica holds the source's disk as of then. */
  lastAppliedCutTime?: string;
  /** Service clock when the merge applied it (ISO). */
  lastMergedTime?: string;
  /** The epoch's seed is entirely merged: the replica is a whole disk. */
  isInitialReplicationComplete: boolean;
  /** The disk's newest recovery point (kept across a resync: the old epoch's points stay usable). */
  lastRecoveryPointId?: string;
  lastRecoveryPointTime?: string;
  lastRecoveryPointType?: 'CrashConsistent' | 'AppConsistent';
}

/**
 * A network interface of a protected VM (the fields of ASR's `VMNicDetails` this service acts
 * on). Target network resolution: docs/recovery-plans.md, "Networks".
 */
export interface ProtectedItemNic {
  nicId: string;
  /** The source network the NIC is on: what the vault's network mappings are keyed by. */
  vMNetworkName?: string;
  /** The item's own target network for this NIC (wins over the item-wide one and the mapping). */
  recoveryVMNetworkId?: string;
  recoveryVMSubnetName?: string;
  /** Static private IP in the target; absent = dynamic. */
  replicaNicStaticIPAddress?: string;
}

/** A protected VM (ASR's `ReplicationProtectedItem` with `HyperVReplicaAzureReplicationDetails`). */
/**
 * Our extension on a protected item while it replicates from the recovery site to the primary
 * site (reprotect RecoveryToPrimary, docs/reverse-replication.md): written after every round.
 */
export interface ReverseReplicationDetails {
  state: 'Replicating' | 'Stopped';
  startedAt: string;
  intervalSeconds: number;
  /** When the primary disks last equalled the recovered disks (the last round's apply). */
  lastSyncTime?: string;
  lastRound?: number;
  lastBytesShipped?: number;
  lastBytesChanged?: number;
  roundsCompleted: number;
  totalBytesShipped: number;
  stoppedAt?: string;
  stoppedReason?: string;
}

export interface ProtectedItemProperties {
  friendlyName: string;
  protectableItemId?: string;
  policyId: string;
  policyFriendlyName?: string;
  primaryFabricFriendlyName?: string;
  protectionState: string;
  protectionStateDescription?: string;
  replicationHealth: 'Normal' | 'Warning' | 'Critical';
  failoverHealth?: string;
  activeLocation: 'Primary' | 'Recovery';
  allowedOperations: string[];
  /** Reverse replication's progress (our extension), once reprotect RecoveryToPrimary started it. */
  reverseReplicationDetails?: ReverseReplicationDetails;
  /** Errors the engine raised (stored); the API adds the RPO's when it answers. */
  healthErrors: HealthError[];
  providerSpecificDetails: {
    instanceType: 'HyperVReplicaAzure';
    vmId?: string;
    disks: ProtectedDisk[];
    recoveryAzureVmName?: string;
    recoveryAzureVMSize?: string;
    recoveryAzureResourceGroupId?: string;
    selectedRecoveryAzureNetworkId?: string;
    selectedRecoverySubnetName?: string;
    /** Static IP for the recovered VM's first NIC, if chosen. */
    recoveryIpAddress?: string;
    /** The VM's NICs; absent = one NIC on no known source network (item-wide settings only). */
    vmNics?: ProtectedItemNic[];
    /** ASR's OS details: `osType` Windows or Linux (absent = Windows); the recovered VM's OS disk type. */
    oSDetails?: { osType?: string };
    /** Our extension: `2` = a Generation 2 (UEFI) source, recovered as a Gen 2 VM; absent = 1. */
    generation?: string;
    /** Our extension: application probes the recovered machine must pass (fabrics that boot it: qemu; docs/api.md). */
    applicationProbes?: ApplicationProbe[];
    /** SHA-256 fingerprint of the key that encrypts replica logs, when the policy encrypts. */
    encryptionKeyFingerprint?: string;
    /**
     * Issued when protection is enabled (a UUID); the agent keeps it and stamps it on every log,
     * and the merge quarantines a log carrying another (docs/replication.md, "Whose log is it").
     */
    protectionId?: string;
    /** Per-disk replication facts, written by the merge engine (see shared/protection). */
    protectedDisks?: DiskReplicationStatus[];
    /** Cut time of the newest state a failover would get (all disks): RPO = now − this. */
    lastReplicatedTime?: string;
    /** As of `lastRpoCalculatedTime`; the API recomputes both when it answers. */
    rpoInSeconds?: number;
    lastRpoCalculatedTime?: string;
    /** The item's newest recovery point (the oldest of its disks' newest points). */
    lastRecoveryPointTime?: string;
    lastRecoveryPointId?: string;
    [extra: string]: unknown;
  };
}

/** A recovery point of one protected item, kept in the `recoveryPoints` container. */
export interface RecoveryPointDocument extends CosmosSystemFields {
  id: string;
  vaultKey: string;
  /** Lower-cased ARM id of the protected item. */
  itemId: string;
  name: string;
  armId: string;
  recoveryPointTime: string;
  recoveryPointType: 'CrashConsistent' | 'AppConsistent';
  /** Blob snapshot ids per disk, filled by the replication engine. */
  diskSnapshots?: Record<string, string>;
  /** Seconds until Cosmos DB removes it (retention of the item's policy). */
  ttl?: number;
}

/**
 * A job; kept in the `jobs` container with a TTL. `P` is its `properties` (shared/recovery's
 * job state); a writer may add fields of its own by extending this type.
 */
export interface JobDocument<P extends object = Record<string, unknown>> extends CosmosSystemFields, OutboxFields {
  id: string;
  vaultKey: string;
  name: string;
  armId: string;
  properties: P;
  createdAt: string;
  ttl?: number;
}

/**
 * One report of a machine task of a running job (issue 17): written once (a create), by that
 * machine's activity alone, beside the job instead of into it, so a hundred machines of a group
 * do not serialise on the job's ETag. The job folds a group's reports in when the group ends;
 * until then readers of the job apply them on top. `E` is the writer's event type (recovery's
 * `JobEvent`).
 */
export interface JobTaskReportDocument<E = unknown> extends CosmosSystemFields {
  id: string;
  vaultKey: string;
  jobId: string;
  /** The group task the machine task belongs to: a group's reports are read together. */
  groupTaskId: string;
  taskId: string;
  /** Orders a task's reports (the writer's clock, then the order within one writer). */
  seq: number;
  events: E[];
  ttl?: number;
}

/** Who did what to which resource, when, and how it ended. */
export interface AuditEvent extends CosmosSystemFields {
  id: string;
  vaultKey: string;
  at: string;
  /** The token's subject (`sub`/`oid`) or `anonymous`. */
  principal: string;
  /** e.g. `PUT replicationPolicies`. */
  action: string;
  resourceId: string;
  /** HTTP status answered and the error code, if any. */
  result: { status: number; code?: string };
  /** What the handler learnt that the path does not say (an alert rule's trigger: rule, alert id, outcome, job). */
  details?: Record<string, string>;
  ttl?: number;
}

/** ASR's `EventProperties` (the fields this service fills). */
export interface EventProperties {
  eventCode: string;
  description: string;
  /** `VmHealth` (protected items) or `JobStatus` (jobs). */
  eventType: string;
  affectedObjectFriendlyName: string;
  /** The affected object's ARM id. */
  affectedObjectCorrelationId: string;
  /** `Critical`, `Warning` or `Info`. */
  severity: string;
  timeOfOccurrence: string;
  fabricId?: string;
  eventSpecificDetails?: Record<string, unknown>;
  healthErrors: HealthError[];
  /** Our extension: how to act on it (e.g. how to resume a suspended job), absent when nothing is to be done. */
  recommendedAction?: string;
}

/**
 * A replication event (ASR's `replicationEvents`), kept in the `events` container with a TTL.
 * Raised into a document's outbox with the state change, then copied here (shared/events).
 */
export interface EventDocument extends CosmosSystemFields {
  /** = `name`: stable across retries (the message id receivers drop duplicates by). */
  id: string;
  vaultKey: string;
  name: string;
  armId: string;
  /** Position among the raising document's events (1, 2, …): the delivery order per affected object. */
  sequence: number;
  /** `timeOfOccurrence` + `#` + zero-padded `sequence`: lists sort by it (`order` is a reserved word of the query language), so events of one write keep their order. */
  sortKey: string;
  properties: EventProperties;
  /** Lower-cased copies of the filterable fields (`$filter` compares case-insensitively). */
  match: {
    eventCode: string;
    eventType: string;
    severity: string;
    affectedObjectFriendlyName: string;
    affectedObjectCorrelationId: string;
    fabricName: string;
  };
  /** Delivery to the vault's alert targets (shared/events' dispatcher); absent = nothing to deliver. */
  delivery?: EventDelivery;
  ttl?: number;
}

/** Where an event has been delivered: each target at least once, in order per affected object. */
export interface EventDelivery {
  /** True until every target due when last tried has it. */
  pending: boolean;
  /** Targets (`<alert setting>/<webhook>`) that acknowledged it. */
  deliveredTo: string[];
  attempts: number;
  lastError?: string;
}

/** One webhook of an alert setting (our extension of ASR's `Alert`). */
export interface AlertWebhook {
  name: string;
  url: string;
  /** HMAC-SHA256 key of the signature header; stored, never answered. */
  signingSecret: string;
  /** Events less severe than this are not sent. */
  minimumSeverity: 'Critical' | 'Warning' | 'Info';
}

/** ASR's `AlertProperties` plus our webhooks. */
export interface AlertSettingProperties {
  sendToOwners: string;
  customEmailAddresses: string[];
  locale: string;
  webhooks: AlertWebhook[];
}

/** The action an alert rule takes (docs/alert-rules.md). */
export type AlertRuleActionKind = 'TestFailover' | 'Drill' | 'UnplannedFailover' | 'RaiseEvent';

/** Our `replicationAlertRules`: which alerts it acts on and what it does. */
export interface AlertRuleProperties {
  friendlyName: string;
  /** Off until an operator enables it (`POST …/enable`). */
  state: 'Enabled' | 'Disabled';
  /** Every field given must hold; the monitor condition must always be `Fired`. Lists match any of their values. */
  match: {
    sources?: ('AzureMonitor' | 'EventGrid' | 'CloudEvents')[];
    alertRuleNames?: string[];
    severities?: string[];
    /** The alert's target is one of these ARM ids or under one (case-insensitive). */
    resourceIds?: string[];
    eventTypes?: string[];
  };
  action: {
    kind: AlertRuleActionKind;
    /** ARM id of the recovery plan (failover kinds). */
    recoveryPlanId?: string;
    /** Test failover: the isolated network. */
    networkId?: string;
    /** Drill: ARM id of the plan's drill schedule whose settings the drill runs with (docs/drills.md). */
    drillScheduleId?: string;
    recoveryPointType?: string;
    /** Unplanned failover only: start without waiting for an operator's approval. */
    autoExecute: boolean;
  };
  /** SHA-256 (hex) of the rule's secret: the secret itself is never stored nor answered. */
  secretHash: string;
  /** The secret's last four characters, to tell which one is set. */
  secretHint: string;
}

/**
 * One alert a rule acted on, kept in the `alertTriggers` container (TTL): created with a
 * conditional create keyed by rule and alert id before the action starts, so two deliveries of
 * the same alert start one operation.
 */
export interface AlertTriggerDocument extends CosmosSystemFields {
  /** `{rule}|{digest of the alert id}`. */
  id: string;
  vaultKey: string;
  rule: string;
  alertId: string;
  source: string;
  /** `Claimed` while the action starts; `Failed` may be claimed again by a later delivery. */
  state: 'Claimed' | 'Started' | 'EventRaised' | 'Failed';
  claimedAt: string;
  updatedAt: string;
  /** Attempts at the action (a failed one is retried by a later delivery as the next attempt); each attempt's job has a name derived from the claim and it. */
  attempt: number;
  jobId?: string;
  error?: { code: string; message: string };
  ttl?: number;
}
