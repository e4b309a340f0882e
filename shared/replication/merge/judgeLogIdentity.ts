import { DiskRef } from '../../contracts/DiskRef';
import { PendingLog } from './PendingLog';
import { REPLICA_CONTAINERS } from '../../contracts/ReplicaBlobLayout';
import { appliedChecksumOf, ReplicaState } from '../../contracts/ReplicaState';
import { ReplicationDeps } from '../core/ReplicationDeps';
import { ReplicationSettings } from '../core/ReplicationSettingsSource';
import { epochOfPendingLog } from './epochOfPendingLog';
import { ignoreNotFound } from '../core/ignoreNotFound';
import { LOG_METADATA, logChecksum } from '../../contracts/logChecksum';
import { QuarantineReason } from './quarantineLog';

/** What to do with a pending log whose sequence the replica has already applied. */
export type AppliedSequenceVerdict =
  /** Someone deleted it meanwhile. */
  | { kind: 'gone' }
  /** The very log applied there (same checksum), or a straggler of an older epoch: delete it. */
  | { kind: 'drop' }
  /** Quarantine it; `stopsDisk` when the merge must not go on (the disk's history is in question). */
  | { kind: 'refuse'; reason: QuarantineReason; stopsDisk: boolean };

const short = (sha: string) => `${sha.slice(0, 12)}…`;

/** The resync the recommended actions name (docs/replication.md). */
const RESYNC = (disk: DiskRef) => `asr item resync <vault> ${disk.item}`;

/**
 * Judges a log arriving under a sequence already applied in the replica's epoch by its content,
 * never by its header alone: the same bytes as the log applied there (the SHA-256 the replica
 * keeps for its last applied sequences) is a redelivery; anything else is divergent and goes to
 * quarantine, so a genuine log is never deleted as the "redelivery" of a forgery applied before
 * it. A sequence older than the kept window cannot be verified and is treated the same way.
 * A log of an older epoch is a straggler (dropped); a newer epoch or an unreadable header stops
 * the disk, as before.
 */
export async function judgeAppliedSequenceLog(deps: ReplicationDeps, disk: DiskRef, log: PendingLog, state: ReplicaState, maxLogBytes: number): Promise<AppliedSequenceVerdict> {
  const epoch = await epochOfPendingLog(deps, log);
  if (epoch === 'gone') return { kind: 'gone' };
  if (epoch === undefined || epoch > state.epoch) {
    return {
      kind: 'refuse',
      stopsDisk: true,
      reason: {
        code: epoch === undefined ? 'CorruptFormat' : 'HrlIdentityMismatch',
        message: epoch === undefined
          ? `log ${log.sequence} arrived again (the replica is at ${state.lastAppliedSequence}) with an unreadable header`
          : `log ${log.sequence} is of epoch ${epoch}, the replica is at epoch ${state.epoch}: a new epoch starts with a resync`,
      },
    };
  }
  if (epoch < state.epoch) return { kind: 'drop' };
  const recorded = appliedChecksumOf(state, log.sequence);
  if (recorded === undefined) {
    return divergent(disk, log, `its checksum cannot be verified: the replica keeps the checksums of its last ${state.appliedLogs?.length ?? 0} applied logs only`);
  }
  if (log.sizeBytes > maxLogBytes) return divergent(disk, log, `it is ${log.sizeBytes} bytes, more than any log the merge accepts`);
  const bytes = await ignoreNotFound(deps.blobs.getContainerClient(REPLICA_CONTAINERS.pending).getBlobClient(log.blobName).downloadToBuffer());
  if (bytes === undefined) return { kind: 'gone' };
  const arrived = logChecksum(bytes);
  if (arrived === recorded) return { kind: 'drop' };
  return divergent(disk, log, `its SHA-256 is ${short(arrived)}, the log applied there had ${short(recorded)}`, arrived);
}

function divergent(disk: DiskRef, log: PendingLog, why: string, sha256?: string): AppliedSequenceVerdict {
  const message = `log ${log.sequence} arrived after log ${log.sequence} was applied, with other content: ${why}`;
  return {
    kind: 'refuse',
    stopsDisk: false,
    reason: {
      code: 'LogDivergent',
      message,
      sha256,
      health: {
        code: 'LogDivergent',
        message: `Two different replica logs claim sequence ${log.sequence} of disk ${disk.disk}: ${why}. The replica keeps the log applied first; the other was not applied. Either another writer (a second agent, or a forged upload) ships this disk, or the replica already holds a log that is not the source's.`,
        recommendedAction: `Find who else writes this disk's logs (the quarantined log's metadata names its protection id) and stop it; then resynchronize the disk ('${RESYNC(disk)}') so the replica is rebuilt from the source. Until then the replica may differ from the source.`,
      },
    },
  };
}

/**
 * A pending log stamped with another protection's id than the item's (or with none, when the
 * item has one): shipped by an agent that does not hold this item's protection. `undefined`
 * when it belongs (or the item predates protection ids).
 */
export function foreignProtection(disk: DiskRef, log: PendingLog, settings: ReplicationSettings): QuarantineReason | undefined {
  const mine = settings.protectionId;
  if (!mine) return undefined;
  const theirs = log.metadata[LOG_METADATA.protectionId];
  if (theirs === mine) return undefined;
  const claimed = theirs ? `protection id ${theirs}` : 'no protection id';
  return {
    code: 'ForeignProtection',
    message: `log ${log.sequence} carries ${claimed}; the item's protection is ${mine}`,
    health: {
      code: 'ForeignProtection',
      message: `Replica log ${log.sequence} of disk ${disk.disk} carries ${claimed}, but protected item '${disk.item}' was enabled as protection ${mine}: it was shipped by an agent that does not hold this protection (another machine protected under the same item name, or agent state from before protection was disabled and enabled again). It was not applied.`,
      recommendedAction: `Stop the agent that shipped it (its state directory records ${claimed}); to protect that machine, enable protection under another item name. This item's own agent needs no change.`,
    },
  };
}
