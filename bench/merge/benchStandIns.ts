import type { BlobServiceClient } from '@azure/storage-blob';
import type { AgentApi, ArmResourceLike } from '../../shared/agent';
import { DiskRecoveryPoint, fixedReplicationSettings, ReplicationDeps, ReplicationTuning } from '../../shared/replication';

const SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';

/** The merge engine's ports in memory (no Cosmos DB): points kept in an array, health ignored, a 30 s policy. */
export function memoryReplicationDeps(blobs: BlobServiceClient, tuning?: Partial<ReplicationTuning>): ReplicationDeps {
  const points: DiskRecoveryPoint[] = [];
  return {
    blobs,
    recorder: { record: async (p) => void points.push(p), list: async () => [...points], remove: async () => undefined },
    health: { raise: async () => undefined, clear: async () => undefined, recordMerged: async () => undefined, recordResyncStarted: async () => undefined },
    settings: fixedReplicationSettings({ policy: { replicationInterval: 30, recoveryPointHistoryDurationInHours: 24, applicationConsistentSnapshotFrequencyInHours: 0 } }),
    ...(tuning ? { tuning } : {}),
  };
}

/**
 * The API as the agent sees it, answered in memory: a plain 30 s policy, registration, and
 * enabling protection answers with a protection id as the API does. `post` runs an action
 * (e.g. repairReplication) in process.
 */
export function standInAgentApi(post?: AgentApi['post']): AgentApi {
  const resource = (path: string, properties: Record<string, unknown> = {}): ArmResourceLike => ({ id: path, name: path.split('/').pop()!, properties });
  return {
    config: { endpoint: 'http://bench.invalid', subscriptionId: SUBSCRIPTION, resourceGroup: 'bench' },
    vaultPath: (vault?: string) => `/subscriptions/${SUBSCRIPTION}/resourceGroups/bench/providers/Microsoft.RecoveryServices/vaults${vault ? `/${vault}` : ''}`,
    get: async <T>(path: string) => resource(path, { providerSpecificDetails: { replicationInterval: 30, encryption: 'Disabled' } }) as T,
    put: async <T>(path: string) => resource(path, { providerSpecificDetails: { protectionId: 'bench-protection' } }) as T,
    ...(post ? { post } : {}),
  };
}

/** Runs `fn` and says how long it took, in seconds. */
export async function seconds<T>(fn: () => Promise<T>): Promise<{ s: number; value: T }> {
  const t = process.hrtime.bigint();
  const value = await fn();
  return { s: Number(process.hrtime.bigint() - t) / 1e9, value };
}
