import { execFileSync, spawnSync } from 'node:child_process';
import { CosmosClient } from '@azure/cosmos';
import { BlobServiceClient } from '@azure/storage-blob';
import { AsrApiClient } from '../../../cli/api/AsrApiClient';
import { ArmApi } from '../../../shared/arm';
import { repairRoutes } from '../../../shared/arm/recovery/repairRoutes';
import { ReplicationRepairs } from '../../../shared/recovery/service/ReplicationRepairs';
import { AgentState } from '../../../shared/agent';
import { ensureMetadataStore } from '../../../shared/metadata';
import {
  CosmosRecoveryPointRecorder, cosmosRecoveryPointDeleter, DiskRef, materializeToPoint, mergeDisk, MetadataHealthReporter,
  MetadataReplicationSettings, metadataReplicaLocator, parsePendingLogBlob, REPLICA_CONTAINERS, ReplicationDeps,
} from '../../../shared/replication';
import { DevelopmentIssuer, TokenVerifier } from '../../../shared/security';
import { accountKeySigner, SiteLogUploads, SiteRegistry, siteSettingsFromEnv, type SiteSettings } from '../../../shared/sites';
import { siteRoutes } from '../../../shared/arm/sites/siteRoutes';
import { startAzurite, TestAzurite } from '../../support/azurite';
import { startTestCosmos, TestCosmos } from '../../support/cosmos';
import { tempDir } from '../../support/tempDir';
import { ArmTestHarness, startArmTestHarness } from '../api/armTestHarness';

/**
 * The cloud side for agent tests, all real: Azurite, Cosmos DB (protocol server) behind the
 * metadata store, the ARM-shaped API over loopback HTTP with development tokens, and the merge
 * engine, run by a "pump" that merges every known disk every 100 ms in place of the blob trigger.
 */
export interface AgentCloud {
  azurite: TestAzurite;
  blobs: BlobServiceClient;
  api: AsrApiClient;
  apiUrl: string;
  issuerDir: string;
  deps: ReplicationDeps;
  /** Creates a vault and a policy (30 s interval, 24 h retention). */
  createVaultAndPolicy(vault: string, policy: string, encryption: boolean): Promise<void>;
  /** Materialises a disk at its latest merged log into a fixed VHD file (decrypted with `key`); returns whether its digest verified. */
  materialize(disk: DiskRef, file: string, key?: Buffer): Promise<{ sequence: bigint; verified: boolean }>;
  stop(): Promise<void>;
}

export function diskRefs(state: AgentState): DiskRef[] {
  return state.disks.map((d) => ({ vault: state.vaultSegment, item: state.item, disk: d.diskId }));
}

export interface AgentCloudOptions {
  /** The service's clock (API answers, item status writes); default the wall clock. */
  now?: () => Date;
  /** Settings of the site routes (registration keys, upload URLs); default the service defaults. */
  siteSettings?: Partial<SiteSettings>;
}

export async function startAgentCloud(options: AgentCloudOptions = {}): Promise<AgentCloud> {
  const [azurite, cosmos]: [TestAzurite, TestCosmos] = await Promise.all([startAzurite(), startTestCosmos()]);
  const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
  for (const c of Object.values(REPLICA_CONTAINERS)) await blobs.getContainerClient(c).createIfNotExists();
  const config = { endpoint: cosmos.endpoint, key: cosmos.key, databaseId: 'agent', jobTtlSeconds: 100, auditTtlSeconds: 100 };
  const store = await ensureMetadataStore(config);
  const issuerDir = tempDir('agent-issuer-');
  const issuer = await DevelopmentIssuer.open(issuerDir.path);
  const siteSettings = { ...siteSettingsFromEnv({}), ...options.siteSettings };
  const sites = {
    registry: new SiteRegistry(store, options.now),
    uploads: new SiteLogUploads(store, blobs, accountKeySigner(blobs, options.now), siteSettings, options.now),
    settings: siteSettings,
  };
  const cosmosClient = new CosmosClient({ endpoint: cosmos.endpoint, key: cosmos.key, connectionPolicy: { enableEndpointDiscovery: false } });
  const locate = metadataReplicaLocator(store);
  const deps: ReplicationDeps = {
    blobs,
    recorder: new CosmosRecoveryPointRecorder(store, locate, cosmosRecoveryPointDeleter(cosmosClient.database(config.databaseId))),
    health: new MetadataHealthReporter(store, locate, options.now),
    settings: new MetadataReplicationSettings(store, locate),
  };
  // The API with repairReplication and the site routes (the product adds them with the Recovery and site routes).
  const harness: ArmTestHarness = await startArmTestHarness(new ArmApi({
    store, verifier: TokenVerifier.fromJwks(issuer.jwks(), issuer.issuer, issuer.audience), log: () => undefined, now: options.now,
    subscriptions: ['00000000-0000-0000-0000-000000000000'],
    extraRoutes: [...repairRoutes(async () => new ReplicationRepairs(deps)), ...siteRoutes(async () => sites)],
  }));
  const api = new AsrApiClient({
    endpoint: harness.url, subscriptionId: '00000000-0000-0000-0000-000000000000', resourceGroup: 'local',
    dataDir: issuerDir.path, devIssuerDir: issuerDir.path,
  });
  const pump = startMergePump(blobs, deps);
  return {
    azurite, blobs, api, apiUrl: harness.url, issuerDir: issuerDir.path, deps,
    async createVaultAndPolicy(vault, policy, encryption) {
      const V = api.vaultPath(vault);
      await api.put(V, { location: 'local' });
      await api.put(`${V}/replicationPolicies/${policy}`, {
        properties: { providerSpecificInput: {
          instanceType: 'HyperVReplicaAzure', replicationInterval: 30, recoveryPointHistoryDuration: 24,
          applicationConsistentSnapshotFrequencyInHours: 0, encryption: encryption ? 'Enabled' : 'Disabled',
        } },
      });
    },
    async materialize(disk, file, key) {
      const target = blobs.getContainerClient(REPLICA_CONTAINERS.replicas).getPageBlobClient(`materialized/${disk.item}-${disk.disk}-${Date.now()}.vhd`);
      const r = await materializeToPoint(deps, disk, target, { key });
      await target.downloadToFile(file);
      return { sequence: r.sequence, verified: r.verified };
    },
    async stop() {
      await pump.stop();
      await harness.stop();
      await Promise.all([azurite.stop(), cosmos.stop()]);
      issuerDir.cleanup();
    },
  };
}

/**
 * Points the CLI's environment (asr commands run in this process) at `cloud`: its API, its
 * development issuer and its storage, with no token of the caller's. Returns what restores it.
 */
export function pointCliAt(cloud: AgentCloud): () => void {
  const saved = { ...process.env };
  Object.assign(process.env, { ASR_ENDPOINT: cloud.apiUrl, ASR_DEV_ISSUER_DIR: cloud.issuerDir, ASR_STORAGE_CONNECTION_STRING: cloud.azurite.connectionString });
  delete process.env.ASR_TOKEN;
  return () => {
    process.env = saved;
  };
}

/** Runs qemu-io commands on an image. */
export function qemuIo(path: string, format: 'raw' | 'vhdx' | 'vpc', ...commands: string[]): void {
  execFileSync('qemu-io', ['-f', format, ...commands.flatMap((c) => ['-c', c]), path], { encoding: 'utf8' });
}

/** `qemu-img compare`: 0 identical, 1 different. */
export function qemuCompare(a: string, aFormat: string, b: string, bFormat: string): { status: number | null; output: string } {
  const r = spawnSync('qemu-img', ['compare', '-f', aFormat, '-F', bFormat, a, b], { encoding: 'utf8' });
  return { status: r.status, output: r.stdout + r.stderr };
}

/** Copies an image at this moment (the source as of a sync, for later comparison). */
export function snapshotImage(path: string, format: string, out: string): void {
  execFileSync('qemu-img', ['convert', '-f', format, '-O', 'raw', path, out]);
}

/**
 * In place of the blob trigger: every 100 ms, merges every disk that has pending logs (a failed
 * merge is retried next round). For tests whose host has no blob trigger registered.
 */
export function startMergePump(blobs: BlobServiceClient, deps: ReplicationDeps): { stop(): Promise<void> } {
  const disks = new Map<string, DiskRef>();
  let running = true;
  const loop = (async () => {
    while (running) {
      for await (const b of blobs.getContainerClient(REPLICA_CONTAINERS.pending).listBlobsFlat()) {
        const parsed = parsePendingLogBlob(b.name);
        if (parsed) disks.set(b.name.slice(0, b.name.lastIndexOf('/')), parsed.disk);
      }
      for (const d of [...disks.values()]) await mergeDisk(deps, d).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}
