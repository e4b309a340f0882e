import { ServiceError } from '../errors';
import type { ArmResponse } from './ArmRequest';

/**
 * The one place where error codes become HTTP status codes. Stores, the verifier and the
 * handlers throw `ServiceError`s with these codes; nothing else picks a status for an error.
 */
export const ARM_ERROR_STATUS: Readonly<Record<string, number>> = {
  // 400: the request (body, path, name, key or input file) is wrong; the message says how.
  InvalidChangeTracking: 400,
  CallbackOutcomeInvalid: 400,
  CorruptFormat: 400,
  EncryptionKeyMismatch: 400,
  EncryptionKeyRequired: 400,
  EncryptionNotEnabled: 400,
  ExportKeyNotAccepted: 400,
  HrlWriteRejected: 400,
  InputNotAFile: 400,
  InvalidDisk: 400,
  InvalidEncryptionKey: 400,
  // a `$filter` of replicationEvents outside the grammar (docs/events.md)
  InvalidFilter: 400,
  InvalidFabricRequest: 400,
  SizeGenerationUnsupported: 400,
  InvalidJson: 400,
  InvalidParameter: 400,
  InvalidPathSegment: 400,
  InvalidReference: 400,
  FailbackNotSupported: 400,
  // the failback cycle (issue 13): a failback before a committed failover, a failover forward of
  // an item that runs in the recovery site, a reverse reprotect of an item whose failover is not committed
  FailbackNotAllowed: 400,
  // the agent refuses the operator's alternate location (CreateVmIfNotFound) on its own host
  FailbackAlternateLocationInvalid: 400,
  FailoverDirectionInvalid: 400,
  ReverseReplicationNotAllowed: 400,
  InvalidReplicationRequest: 400,
  // what InvalidReplicationRequest used to mean besides a key that does not fit (issue 11)
  DiskGrewBeyondReplica: 400,
  EarlierEpochNeedsPoint: 400,
  ResyncEpochNotNewer: 400,
  InvalidRequestBody: 400,
  // an alert rule's trigger: a payload in none of the accepted schemas; an action not built yet (Drill)
  AlertPayloadInvalid: 400,
  AlertActionNotAvailable: 400,
  InvalidResourceName: 400,
  InvalidRole: 400,
  InvalidSubscriptionId: 400,
  PageAlignment: 400,
  ScriptActionNotSupported: 400,
  StorageMappingNotSupported: 400,
  UnsupportedFormat: 400,
  WrongEncryptionKey: 400,
  // 401
  CallbackTokenBadSignature: 401,
  CallbackTokenExpired: 401,
  CallbackTokenMalformed: 401,
  RegistrationKeyExpired: 401,
  RegistrationKeyInvalid: 401,
  RegistrationKeyUsed: 401,
  SiteCredentialInvalid: 401,
  AlertRuleSecretInvalid: 401,
  Unauthenticated: 401,
  // 403
  Forbidden: 403,
  SiteItemForbidden: 403,
  SubscriptionNotServed: 403,
  // the app's identity lacks an action on the target group or a subnet's group (prerequisites check)
  TargetPermissionMissing: 403,
  // 404
  // the agent's qemu change tracking names a block node qemu does not have
  QemuDiskNotFound: 404,
  DiskNotFound: 404,
  InputNotFound: 404,
  MachineNotFound: 404,
  NoRecoveryPoint: 404,
  NotFound: 404,
  NotProtected: 404,
  ProtectedItemNotFound: 404,
  ReplicaNotFound: 404,
  RouteNotFound: 404,
  TargetResourceGroupNotFound: 404,
  TargetSubnetNotFound: 404,
  // 405
  MethodNotAllowed: 405,
  // 409: the resource's state does not allow it now
  // a failback job's step (the job shows them; never an API answer): nothing in the recovery
  // site to fail back from, a fabric whose disks the failback cannot read (qemu), a disk read
  // whose SAS host is not an allowed blob endpoint, the primary disk not the recovered one after a round
  RecoveredMachineNotFound: 409,
  FailbackNotSupportedOnFabric: 409,
  DiskAccessHostRefused: 409,
  FailbackDiskMismatch: 409,
  AgentBusy: 409,
  AgentStateMismatch: 409,
  AlreadyProtected: 409,
  CallbackTokenAlreadyUsed: 409,
  Conflict: 409,
  DiskResized: 409,
  DrainIncomplete: 409,
  FailedOver: 409,
  FinalLogMissing: 409,
  ForeignProtection: 409,
  IpAddressInUse: 409,
  ItemAlreadyProtected: 409,
  JobCancelled: 409,
  LogDivergent: 409,
  LogEpochEnded: 409,
  LogNameTaken: 409,
  LogQuarantined: 409,
  LogSequenceAhead: 409,
  MachineConflict: 409,
  DiskConflict: 409,
  MachineStateInvalid: 409,
  NetworkNotMapped: 409,
  NoProtectedDisks: 409,
  OutputExists: 409,
  ProtectionUnknown: 409,
  // failback data path (docs/failback.md): the source or the round is not in a state to take it
  FailbackDiskMissing: 409,
  FailbackDiskSizeMismatch: 409,
  FailbackFormatUnsupported: 409,
  FailbackLogMissing: 409,
  FailbackRoundNotRequested: 409,
  ReplicaBusy: 409,
  ReplicaLeaseLost: 409,
  RepairLost: 409,
  ReplicationEnded: 409,
  ReplicationStateLost: 409,
  ResyncRequested: 409,
  ResourceInUse: 409,
  RunbookWebhookMissing: 409,
  SeedIncomplete: 409,
  // 410: the job the runbook reports to has ended
  JobEnded: 410,
  // 412, 413, 429
  PreconditionFailed: 412,
  RequestBodyTooLarge: 413,
  Throttled: 429,
  // 500: the service found its own data or a machine wrong
  ActionTimedOut: 500,
  AgentStateCorrupt: 500,
  DevIssuerUnreadable: 500,
  DiskDigestMismatch: 500,
  DiskFooterInvalid: 500,
  JournalIncomplete: 500,
  KeyUnavailable: 500,
  MachineStartFailed: 500,
  MachineUnhealthy: 500,
  MetadataDocumentTooLarge: 500,
  ReplicaDigestMismatch: 500,
  ReplicaUnusable: 500,
  RepairRequestInvalid: 500,
  RunbookFailed: 500,
  FailbackDigestsInvalid: 500,
  FailbackJournalDamaged: 500,
  FailbackVerifyFailed: 500,
  // 502: a service we call (Azure, a runbook webhook) failed or refused
  QemuCommandFailed: 502,
  QemuReadFailed: 502,
  ArmRequestFailed: 502,
  RunbookWebhookRejected: 502,
  RunbookWebhookUnreachable: 502,
  // 503: a dependency is down or a setting is missing
  QemuUnreachable: 503,
  AuthUnavailable: 503,
  AutomationNotConfigured: 503,
  DevIssuerMissing: 503,
  FabricNotConfigured: 503,
  InvalidConfiguration: 503,
  MetadataUnavailable: 503,
  ServiceUnavailable: 503,
  StorageNotConfigured: 503,
  Unreachable: 503,
  // 504
  MergeTimeout: 504,
  FailbackTimedOut: 504,
};

/** The status an error code answers with (500 for a code the catalogue does not know). */
export function armErrorStatus(code: string): number {
  return ARM_ERROR_STATUS[code] ?? 500;
}

/** The ARM error answer for any thrown value: `{error:{code,message,target?,details?}}`. */
export function toArmErrorResponse(err: unknown): ArmResponse {
  if (err instanceof ServiceError) {
    const status = armErrorStatus(err.code);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (status === 401) headers['www-authenticate'] = 'Bearer error="invalid_token"';
    if (err.retryable) headers['retry-after'] = '5';
    const target = typeof err.details?.target === 'string' ? err.details.target : undefined;
    return {
      status,
      headers,
      body: { error: { code: err.code, message: err.message, ...(target ? { target } : {}) } },
    };
  }
  return {
    status: 500,
    headers: { 'content-type': 'application/json' },
    body: { error: { code: 'InternalError', message: 'the service failed unexpectedly; retry, and report it if it persists' } },
  };
}
