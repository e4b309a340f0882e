import { CosmosClient } from '@azure/cosmos';
import { BlobServiceClient } from '@azure/storage-blob';
import { ensureMetadataStore, MetadataStore, PolicyProperties, ProtectedItemProperties } from '../../../shared/metadata';
import {
  CosmosRecoveryPointRecorder, cosmosRecoveryPointDeleter, DiskRef, MetadataHealthReporter, MetadataReplicationSettings,
  metadataReplicaLocator, REPLICA_CONTAINERS, ReplicationDeps, ReplicationPolicy, vaultSegmentOf,
} from '../../../shared/replication';
import { startAzurite, TestAzurite } from '../../support/azurite';
import { startTestCosmos, TestCosmos } from '../../support/cosmos';
import { tempDir } from '../../support/tempDir';
import { ReplicaStateCache } from '../../../shared/replication/core/ReplicaStateCache';

export const VAULT_KEY = '00000000-0000-0000-0000-00000000aaaa/rg-dr/vault1';
const VAULT_ARM = '/subscriptions/00000000-0000-0000-0000-00000000aaaa/resourceGroups/rg-dr/providers/Microsoft.RecoveryServices/vaults/vault1';

/** Azurite + Cosmos DB (protocol server) + the metadata store, wired into the merge engine. */
export interface ReplicationHarness {
  azurite: TestAzurite;
  cosmos: TestCosmos;
  blobs: BlobServiceClient;
  store: MetadataStore;
  deps(overrides?: Partial<ReplicationDeps>): ReplicationDeps;
  /** Creates a policy and a protected item named `item`; returns the item's disk reference for `disk`. */
  protect(item: string, policy: ReplicationPolicy, options?: { disk?: string; keyFingerprint?: string }): Promise<DiskRef>;
  /** The item's replication health and health errors, as the portal would see them. */
  health(item: string): Promise<{ replicationHealth: string; healthErrors: { errorCode: string; errorMessage: string; recommendedAction: string; entityId: string }[] }>;
  stop(): Promise<void>;
}

export async function startReplicationHarness(): Promise<ReplicationHarness> {
  const [azurite, cosmos] = await Promise.all([startAzurite(), startTestCosmos()]);
  const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
  for (const c of Object.values(REPLICA_CONTAINERS)) await blobs.getContainerClient(c).createIfNotExists();
  const config = { endpoint: cosmos.endpoint, key: cosmos.key, databaseId: 'replication', jobTtlSeconds: 100, auditTtlSeconds: 100 };
  const store = await ensureMetadataStore(config);
  const client = new CosmosClient({ endpoint: cosmos.endpoint, key: cosmos.key, connectionPolicy: { enableEndpointDiscovery: false } });
  const locate = metadataReplicaLocator(store);
  const base: ReplicationDeps = {
    blobs,
    recorder: new CosmosRecoveryPointRecorder(store, locate, cosmosRecoveryPointDeleter(client.database(config.databaseId))),
    health: new MetadataHealthReporter(store, locate),
    settings: new MetadataReplicationSettings(store, locate),
    // As in the host: merges remember the replica states they leave (one process, one memory).
    replicaStates: new ReplicaStateCache(),
  };
  const itemDocId = (item: string) => `replicationfabrics|f1|replicationprotectioncontainers|c1|replicationprotecteditems|${item}`.toLowerCase();
  return {
    azurite, cosmos, blobs, store,
    deps: (overrides = {}) => ({ ...base, ...overrides }),
    async protect(item, policy, options = {}) {
      const now = new Date().toISOString();
      const policyName = `policy-${item}`;
      const policyArm = `${VAULT_ARM}/replicationPolicies/${policyName}`;
      await store.createResource<PolicyProperties>({
        id: `replicationpolicies|${policyName}`.toLowerCase(), vaultKey: VAULT_KEY, kind: 'policy', name: policyName, armId: policyArm, refs: [],
        properties: {
          friendlyName: policyName,
          providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', ...policy, encryption: options.keyFingerprint ? 'Enabled' : 'Disabled' },
        },
        createdAt: now, updatedAt: now,
      });
      const diskId = options.disk ?? 'disk0';
      await store.createResource<ProtectedItemProperties>({
        id: itemDocId(item), vaultKey: VAULT_KEY, kind: 'protectedItem', name: item,
        armId: `${VAULT_ARM}/replicationFabrics/f1/replicationProtectionContainers/c1/replicationProtectedItems/${item}`,
        refs: [policyArm.toLowerCase()],
        properties: {
          friendlyName: item, policyId: policyArm, protectionState: 'Protected', replicationHealth: 'Normal', activeLocation: 'Primary',
          allowedOperations: [], healthErrors: [],
          providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', disks: [{ diskId }], encryptionKeyFingerprint: options.keyFingerprint },
        },
        createdAt: now, updatedAt: now,
      });
      return { vault: vaultSegmentOf(VAULT_KEY), item, disk: diskId };
    },
    async health(item) {
      const doc = await store.getResource<ProtectedItemProperties>(VAULT_KEY, itemDocId(item));
      return { replicationHealth: doc!.properties.replicationHealth, healthErrors: doc!.properties.healthErrors as never };
    },
    stop: async () => {
      await Promise.all([azurite.stop(), cosmos.stop()]);
    },
  };
}

/** One harness and one temp dir per suite: started in beforeAll, stopped in afterAll. */
export function useReplicationHarness(tempPrefix: string): { readonly h: ReplicationHarness; readonly tmp: string } {
  let harness: ReplicationHarness | undefined;
  const dir = tempDir(tempPrefix);
  beforeAll(async () => {
    harness = await startReplicationHarness();
  });
  afterAll(async () => {
    await harness?.stop();
    dir.cleanup();
  });
  return {
    get h() {
      return harness!;
    },
    tmp: dir.path,
  };
}
