import { z } from 'zod';
import { ServiceError } from '../../errors';
import type { PolicyProperties } from '../../metadata';
import type { ResourceDefinition } from '../ResourceDefinition';

/** ASR's `HyperVReplicaAzurePolicyInput`, plus `encryption` for replica-log encryption. */
const hyperVReplicaAzureInput = z.object({
  instanceType: z.literal('HyperVReplicaAzure'),
  replicationInterval: z.union([z.literal(30), z.literal(300), z.literal(900)], {
    error: 'must be 30, 300 or 900 (seconds between replica logs)',
  }).optional(),
  recoveryPointHistoryDuration: z.number().int().min(0).max(24).optional(),
  applicationConsistentSnapshotFrequencyInHours: z.number().int().min(0).max(12).optional(),
  onlineReplicationStartTime: z.string()
    .regex(/^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})|\d{2}:\d{2}(:\d{2})?)$/,
      'must be an ISO 8601 time (2026-01-01T22:00:00Z) or a time of day (22:00:00)')
    .optional(),
  storageAccounts: z.array(z.string()).optional(),
  encryption: z.enum(['Enabled', 'Disabled']).optional(),
});

const createPolicyInput = z.object({
  properties: z.object({ providerSpecificInput: hyperVReplicaAzureInput }),
});

const updatePolicyInput = z.object({
  properties: z.object({ replicationProviderSettings: hyperVReplicaAzureInput }),
});

type PolicyInput = z.infer<typeof hyperVReplicaAzureInput>;

function settle(input: PolicyInput, name: string, base?: PolicyProperties['providerSpecificDetails']): PolicyProperties {
  const d = {
    instanceType: 'HyperVReplicaAzure' as const,
    replicationInterval: input.replicationInterval ?? base?.replicationInterval ?? 300,
    recoveryPointHistoryDurationInHours: input.recoveryPointHistoryDuration ?? base?.recoveryPointHistoryDurationInHours ?? 24,
    applicationConsistentSnapshotFrequencyInHours:
      input.applicationConsistentSnapshotFrequencyInHours ?? base?.applicationConsistentSnapshotFrequencyInHours ?? 0,
    onlineReplicationStartTime: input.onlineReplicationStartTime ?? base?.onlineReplicationStartTime,
    encryption: input.encryption ?? base?.encryption ?? 'Disabled',
    activeStorageAccountId: input.storageAccounts?.[0] ?? base?.activeStorageAccountId,
  } satisfies PolicyProperties['providerSpecificDetails'];
  // An app-consistent point older than the oldest kept point would be pruned at once.
  if (d.applicationConsistentSnapshotFrequencyInHours > 0 &&
      d.applicationConsistentSnapshotFrequencyInHours > d.recoveryPointHistoryDurationInHours) {
    throw new ServiceError('InvalidRequestBody',
      'properties.providerSpecificInput.applicationConsistentSnapshotFrequencyInHours: must not exceed recoveryPointHistoryDuration ' +
      `(${d.recoveryPointHistoryDurationInHours} h)`, { details: { target: 'properties.providerSpecificInput.applicationConsistentSnapshotFrequencyInHours' } });
  }
  return { friendlyName: name, providerSpecificDetails: d };
}

/** A replication policy (`replicationPolicies`) for Hyper-V to Azure. */
export const policyResource: ResourceDefinition<PolicyProperties> = {
  kind: 'policy',
  collections: ['replicationPolicies'],
  storedAncestors: [],
  type: 'Microsoft.RecoveryServices/vaults/replicationPolicies',
  putReplaces: true,
  asyncPut: false,
  asyncDelete: true,
  createSchema: createPolicyInput,
  updateSchema: updatePolicyInput,
  async build(input, ctx) {
    const body = input as z.infer<typeof createPolicyInput>;
    return { properties: settle(body.properties.providerSpecificInput, ctx.name), refs: [] };
  },
  async update(input, existing, ctx) {
    const body = input as z.infer<typeof updatePolicyInput>;
    return { properties: settle(body.properties.replicationProviderSettings, ctx.name, existing.properties.providerSpecificDetails), refs: existing.refs };
  },
};
