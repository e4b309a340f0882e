import type { BlobServiceClient } from '@azure/storage-blob';
import { FAILBACK_CONTAINER, FailbackTransfers } from '../contracts/FailbackTransfers';
import { ServiceError } from '../errors';
import { REPAIR_REQUEST_CONTAINER, RepairRequests } from '../contracts/replicationRepair';
import { SHUTDOWN_REQUEST_CONTAINER, SourceShutdownRequests } from '../contracts/SourceShutdownRequests';
import { readReplica } from '../contracts/readReplica';
import { diskPrefix, REPLICA_CONTAINERS, replicaBlob } from '../contracts/ReplicaBlobLayout';
import { isReplicaChannel, type QuarantinedLog, type ReplicaAccess, type ReplicaChannel } from './ReplicaChannel';
import { uploadLog } from './uploadLog';

/** The channel straight to the replica storage account (a connection string or a container SAS). */
export function storageChannel(blobs: BlobServiceClient): ReplicaChannel {
  const repairs = () => new RepairRequests(blobs.getContainerClient(REPAIR_REQUEST_CONTAINER));
  const failback = () => new FailbackTransfers(blobs.getContainerClient(FAILBACK_CONTAINER));
  return {
    kind: 'storage',
    uploadLog: (disk, _epoch, sequence, file, protectionId) => uploadLog(blobs, disk, sequence, file, protectionId),
    async replicaState(disk) {
      return (await readReplica(blobs.getContainerClient(REPLICA_CONTAINERS.replicas).getPageBlobClient(replicaBlob(disk))))?.state;
    },
    async quarantinedLogs(disk) {
      const prefix = diskPrefix(disk);
      const out: QuarantinedLog[] = [];
      try {
        for await (const b of blobs.getContainerClient(REPLICA_CONTAINERS.quarantine).listBlobsFlat({ prefix, includeMetadata: true })) {
          out.push({ name: b.name.slice(prefix.length), metadata: b.metadata ?? {} });
        }
      } catch (err) {
        // The merge engine creates `hrl-quarantine` with its first refusal: no container, nothing refused.
        if ((err as { statusCode?: number }).statusCode !== 404) throw err;
      }
      return out;
    },
    shutdownRequest: (where) => new SourceShutdownRequests(blobs.getContainerClient(SHUTDOWN_REQUEST_CONTAINER)).read(where),
    repairRequest: (where) => repairs().read(where.vault, where.item),
    repairDigests: (_where, request, diskId) => repairs().digests(request, diskId),
    async failbackRequest(where) {
      try {
        return await failback().readRequest(where);
      } catch (err) {
        // No container yet: no failback was ever requested.
        if ((err as { statusCode?: number }).statusCode === 404) return undefined;
        throw err;
      }
    },
    uploadFailbackDigests: (where, jobId, round, diskId, digests) => failback().writeDigests(where, jobId, round, diskId, digests),
    failbackReady: (where, jobId, round) => failback().readReady(where, jobId, round),
    async failbackLog(where, jobId, round, diskId) {
      const log = await failback().readLog(where, jobId, round, diskId);
      if (!log) throw new ServiceError('FailbackLogMissing', `the failback log of disk ${diskId} (job ${jobId}, round ${round}) is gone: the round was cancelled or cleared`);
      return log;
    },
    reportFailbackApplied: (where, applied) => failback().writeApplied(where, applied),
  };
}

/** A channel for what the caller passed. */
export function channelOf(access: ReplicaAccess): ReplicaChannel {
  return isReplicaChannel(access) ? access : storageChannel(access);
}
