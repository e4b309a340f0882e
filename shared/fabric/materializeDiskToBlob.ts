import type { PageBlobClient } from '@azure/storage-blob';
import { keyFingerprint } from '../crypto';
import { azureVirtualSize } from '../disk';
import { decryptReplicaInPlace, diskKey, MaterializeOptions, materializeToPoint, ReplicationDeps, tuningOf } from '../replication';
import { FabricError } from './FabricError';
import { fabricDiskName } from './FabricDiskLayout';
import { tagsToRecord } from './FabricTags';
import { MaterializeDiskRequest } from './MaterializeDiskRequest';
import { MaterializedDisk } from './MaterializedDisk';
import { PointSelector } from './PointSelector';
import { digestOfBlob, verifyDiskBlob } from './verifyDiskBlob';

const FOOTER_BYTES = 512;

/**
 * The part of materialising both fabrics share: copy the disk at the point into `target` (a
 * page blob: the local fabric's disk, the Azure fabric's staging VHD) with `materializeToPoint`,
 * check footer and digest against the source's digest, decrypt if a key is given, and tag the
 * blob. Running it twice rewrites the same bytes. Errors of the replica (no such point, journal
 * gap) come through as `ReplicationError`s; the rest are {@link FabricError}s.
 */
export async function materializeDiskToBlob(replication: ReplicationDeps, target: PageBlobClient, request: MaterializeDiskRequest): Promise<MaterializedDisk> {
  const label = diskKey(request.source);
  await checkKey(replication, request);
  const result = await materializeToPoint(replication, request.source, target, { ...materializeOptions(request.point), verify: false });
  const dataBytes = result.base.sourceVirtualSize;
  // The log's digest is over the disk as stored (ciphertext for an encrypted item): check first, decrypt after.
  await verifyDiskBlob(target, { dataBytes, digest: result.diskDigest, label: `${label} at log ${result.sequence}` });
  let expectedDigest = result.diskDigest;
  if (request.key) {
    await decryptReplicaInPlace(target, request.key, dataBytes, tuningOf(replication).copyChunkBytes);
    expectedDigest = await digestOfBlob(target, dataBytes);
  }
  await target.setMetadata({ ...tagsToRecord(request.tags), asrsourcedigest: result.diskDigest, asrexpecteddigest: expectedDigest, asrsequence: result.sequence.toString() });
  return {
    source: request.source,
    name: fabricDiskName(request.machineName, request.source),
    resourceGroup: request.resourceGroup,
    machineName: request.machineName,
    blobUrl: target.url,
    sizeBytes: azureVirtualSize(dataBytes) + FOOTER_BYTES,
    dataBytes,
    epoch: result.epoch.toString(),
    sequence: result.sequence.toString(),
    pointTime: new Date(result.cutTimeMs).toISOString(),
    baseRecoveryPointId: result.base.id,
    sourceDigest: result.diskDigest,
    expectedDigest,
    decrypted: request.key !== undefined,
  };
}

/** PointSelector (JSON) -> the merge engine's options (bigints, Date). */
export function materializeOptions(point: PointSelector): MaterializeOptions {
  const epoch = 'epoch' in point && point.epoch !== undefined ? { epoch: BigInt(point.epoch) } : {};
  switch (point.kind) {
    case 'latestProcessed':
      return {};
    case 'sequence':
      return { ...epoch, sequence: BigInt(point.sequence) };
    case 'time': {
      const time = new Date(point.time);
      if (Number.isNaN(time.getTime())) throw new FabricError('InvalidFabricRequest', `recovery time "${point.time}" is not an ISO 8601 time`);
      return { ...epoch, time };
    }
  }
}

async function checkKey(replication: ReplicationDeps, request: MaterializeDiskRequest): Promise<void> {
  const fingerprint = (await replication.settings.settingsFor(request.source)).keyFingerprint;
  const label = diskKey(request.source);
  if (typeof fingerprint === 'string' && !request.key && !request.keepEncrypted) {
    throw new FabricError('InvalidFabricRequest', `disk ${label} is encrypted; give the item's key with the failover (asr … --key-file) so it can be decrypted`, {
      possibleCauses: 'The failover request carried no encryption key for an encrypted item.',
      recommendedAction: 'Start the failover again with the key the source agent encrypts with.',
    });
  }
  if (fingerprint === null && request.key) {
    throw new FabricError('InvalidFabricRequest', `disk ${label} is not encrypted; fail over without a key`);
  }
  if (typeof fingerprint === 'string' && request.key && keyFingerprint(request.key) !== fingerprint) {
    throw new FabricError('InvalidFabricRequest', `the key given does not match the key disk ${label} is encrypted with (fingerprint ${fingerprint})`, {
      possibleCauses: 'A key of another vault or item, or an old key, was supplied.',
      recommendedAction: 'Supply the key whose fingerprint the protected item shows.',
    });
  }
}
