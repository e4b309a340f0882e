import { ReplicationDeps } from '../core/ReplicationDeps';
import { DiskRef, diskKey } from '../../contracts/DiskRef';
import { PendingLog } from './PendingLog';
import { quarantineBlob, REPLICA_CONTAINERS } from '../../contracts/ReplicaBlobLayout';
import { ReplicationHealthCode } from '../core/ReplicationHealthReporter';
import { ignoreNotFound } from '../core/ignoreNotFound';

/** Why a log was refused: a stable code (the reader's error code or the engine's) and the detail. */
export interface QuarantineReason {
  code: string;
  message: string;
  /**
   * The health error to raise instead of the default `LogQuarantined` ("resynchronize"), with
   * its own message and recommended action (a divergent or foreign log has other causes).
   */
  health?: { code: ReplicationHealthCode; message: string; recommendedAction: string };
  /** The SHA-256 the merge computed over the log's bytes, when it read them (kept as `sha256`). */
  sha256?: string;
}

/** Blob metadata values must be header-safe: ASCII, no control characters, bounded. */
function metadataValue(s: string): string {
  return encodeURIComponent(s).slice(0, 2000);
}

/**
 * Moves a refused log to `hrl-quarantine/` (copy, then delete) with its reason in metadata
 * (`reason` = code, `detail` = URI-encoded message, `sequence`, `quarantinedat`, the merge's
 * `sha256` when known, and what the uploader stamped: `protectionid`, `logsha256`), and raises a
 * Critical health issue on the disk. The replica is not touched. Returns the quarantine blob name.
 */
export async function quarantineLog(deps: ReplicationDeps, disk: DiskRef, log: PendingLog, reason: QuarantineReason): Promise<string> {
  const at = (deps.now ?? (() => new Date()))();
  const source = deps.blobs.getContainerClient(REPLICA_CONTAINERS.pending).getBlobClient(log.blobName);
  const name = quarantineBlob(disk, log.fileName, at);
  const target = deps.blobs.getContainerClient(REPLICA_CONTAINERS.quarantine).getBlobClient(name);
  const stamped = Object.fromEntries(Object.entries(log.metadata ?? {}).map(([k, v]) => [k, metadataValue(v)]));
  const poller = await target.beginCopyFromURL(source.url, {
    metadata: {
      ...stamped,
      reason: metadataValue(reason.code),
      detail: metadataValue(reason.message),
      sequence: log.sequence.toString(),
      quarantinedat: at.toISOString(),
      ...(reason.sha256 ? { sha256: reason.sha256 } : {}),
    },
  });
  await poller.pollUntilDone();
  await ignoreNotFound(source.delete());
  deps.log?.(`quarantined ${log.blobName}: ${reason.code}`, { disk: diskKey(disk), quarantineBlob: name, reason: { code: reason.code, message: reason.message } });
  const where = `${REPLICA_CONTAINERS.quarantine}/${name}`;
  await deps.health.raise(disk, reason.health
    ? { severity: 'Critical', code: reason.health.code, message: `${reason.health.message} The log was moved to ${where}.`, recommendedAction: reason.health.recommendedAction }
    : {
      severity: 'Critical',
      code: 'LogQuarantined',
      message: `Replica log ${log.sequence} of disk ${disk.disk} was refused (${reason.code}: ${reason.message}) and moved to ${where}. Replication of this disk is stopped; the replica is unchanged at the last good log.`,
      recommendedAction: 'Resynchronize the disk (a new replication epoch). If the log was damaged in transit, check the source agent and the network.',
    });
  return name;
}
