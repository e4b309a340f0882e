import type { BlobServiceClient } from '@azure/storage-blob';
import { SHUTDOWN_REQUEST_CONTAINER, SourceShutdownRequests } from '../recovery/SourceShutdownRequests';
import { diskPrefix, logFileName, readReplica, REPLICA_CONTAINERS, replicaBlob } from '../replication';
import { isReplicaChannel, type ReplicaAccess, type ReplicaChannel } from './ReplicaChannel';
import { uploadLog } from './uploadLog';

/** The channel straight to the replica storage account (a connection string or a container SAS). */
export function storageChannel(blobs: BlobServiceClient): ReplicaChannel {
  return {
    kind: 'storage',
    uploadLog: (disk, _epoch, sequence, file) => uploadLog(blobs, disk, sequence, file),
    async mergedSequence(disk, epoch) {
      const r = await readReplica(blobs.getContainerClient(REPLICA_CONTAINERS.replicas).getPageBlobClient(replicaBlob(disk)));
      if (!r?.state || r.state.epoch !== BigInt(epoch)) return { sequence: 0 };
      return { sequence: Number(r.state.lastAppliedSequence), cutTimeMs: r.state.lastAppliedCutTimeMs };
    },
    async quarantined(disk, upTo) {
      const prefix = diskPrefix(disk);
      for await (const b of blobs.getContainerClient(REPLICA_CONTAINERS.quarantine).listBlobsFlat({ prefix, includeMetadata: true })) {
        const file = b.name.slice(prefix.length);
        for (let s = 1; s <= upTo; s++) {
          if (file.startsWith(`${logFileName(BigInt(s))}.`)) return `${b.name}${b.metadata?.reason ? `: ${b.metadata.reason}` : ''}`;
        }
      }
      return undefined;
    },
    shutdownRequest: (where) => new SourceShutdownRequests(blobs.getContainerClient(SHUTDOWN_REQUEST_CONTAINER)).read(where),
  };
}

/** A channel for what the caller passed. */
export function channelOf(access: ReplicaAccess): ReplicaChannel {
  return isReplicaChannel(access) ? access : storageChannel(access);
}
