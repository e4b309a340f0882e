import { DiskRef } from '../../contracts/DiskRef';
import { diskPrefix, sequenceOfLogName } from '../../contracts/ReplicaBlobLayout';
import { ReplicaState } from '../../contracts/ReplicaState';
import { ReplicationDeps } from '../core/ReplicationDeps';
import { ReplicationSettings } from '../core/ReplicationSettingsSource';
import { ReplicationTuning } from '../core/ReplicationTuning';
import { expectationFor } from '../journal/logExpectation';
import { DeliveredLog, readPendingLog, ReadLogResult } from './applyLog';
import { foreignProtection } from './judgeLogIdentity';
import { bareEtag, PendingLog } from './PendingLog';

/**
 * The delivered log as the pending log to apply next, with its validated read, when nothing else
 * needs deciding: it is this disk's log of the sequence after the replica's, it carries this
 * protection's id, and all of it validates. The merge then applies it without listing the disk's
 * logs (its copy into the journal, conditional on this ETag, proves it is still that version).
 * Anything else (an older or later sequence, a foreign or invalid log, no metadata delivered) is
 * `undefined`: the merge lists and judges as always, from what is in `hrl` now.
 */
export async function deliveredNextLog(
  deps: ReplicationDeps,
  disk: DiskRef,
  state: ReplicaState,
  settings: ReplicationSettings,
  tuning: ReplicationTuning,
  delivered: DeliveredLog | undefined,
): Promise<{ log: PendingLog; read: ReadLogResult & { ok: true } } | undefined> {
  const prefix = diskPrefix(disk);
  const etag = bareEtag(delivered?.etag);
  if (!delivered?.metadata || !delivered.lastModified || etag === '' || !delivered.blobName.startsWith(prefix)) return undefined;
  const fileName = delivered.blobName.slice(prefix.length);
  const sequence = sequenceOfLogName(fileName);
  if (sequence !== state.lastAppliedSequence + 1n) return undefined;
  const log: PendingLog = {
    blobName: delivered.blobName, fileName, sequence, sizeBytes: delivered.bytes.length, etag, metadata: delivered.metadata, lastModified: delivered.lastModified,
  };
  if (foreignProtection(disk, log, settings)) return undefined;
  const read = await readPendingLog(deps, log, expectationFor(disk, state, sequence, settings.keyFingerprint), tuning, delivered);
  if (!read.ok || (read.log.header.partialSeed && state.seedComplete)) return undefined;
  return { log, read };
}
