import type { PageBlobClient } from '@azure/storage-blob';
import { digestOfBlob } from '../../disk';
import type { DiskAtPoint } from '../../contracts/DiskAtPoint';
import type { DiskRef } from '../../contracts/DiskRef';
import type { ReplicationDeps } from '../core/ReplicationDeps';
import type { PointSelector } from '../journal/PointSelector';
import { materializeOptions } from './materializeOptions';
import { materializeToPoint } from './materializeToPoint';

/** Which state of a disk to write, and how to treat an encrypted item's ciphertext. */
export interface VerifiedDiskRequest {
  point: PointSelector;
  /** The item's key: the disk is decrypted after its ciphertext was verified. Used for this call only. */
  key?: Uint8Array;
  /** Copy an encrypted item's disk as stored, without a key (a disk export the CLI decrypts). */
  keepEncrypted?: boolean;
}

/**
 * Materialising a disk at a point in one step: check the key (the one check, `assertKeyFits`),
 * copy and replay into `target`, verify the result against the log's digest (over the disk as
 * stored: ciphertext for an encrypted item), decrypt if a key is given, and take the plaintext's
 * digest, which is all a later check can compare with (the key is not kept). Running it twice
 * rewrites the same bytes. Errors are `ReplicationError`s (no such point, journal gap, digest
 * mismatch) and the key check's.
 */
export async function materializeVerifiedDisk(deps: ReplicationDeps, disk: DiskRef, target: PageBlobClient, request: VerifiedDiskRequest): Promise<DiskAtPoint> {
  const result = await materializeToPoint(deps, disk, target, { ...materializeOptions(request.point), key: request.key, keyRequired: !request.keepEncrypted, verify: true });
  const dataBytes = result.base.sourceVirtualSize;
  return {
    dataBytes,
    epoch: result.epoch.toString(),
    sequence: result.sequence.toString(),
    pointTime: new Date(result.cutTimeMs).toISOString(),
    baseRecoveryPointId: result.base.id,
    sourceDigest: result.diskDigest,
    expectedDigest: request.key ? await digestOfBlob(target, dataBytes) : result.diskDigest,
    decrypted: request.key !== undefined,
  };
}
