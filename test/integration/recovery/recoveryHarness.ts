import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { CosmosClient } from '@azure/cosmos';
import { BlobServiceClient } from '@azure/storage-blob';
import { FABRIC_CONTAINERS } from '../../../shared/fabric';
import { ensureMetadataStore, type MetadataStore } from '../../../shared/metadata';
import {
  CosmosRecoveryPointRecorder, cosmosRecoveryPointDeleter, mergeDisk, MetadataHealthReporter, MetadataReplicationSettings,
  metadataReplicaLocator, REPLICA_CONTAINERS, vaultSegmentOf, type DiskRef, type ReplicationDeps,
} from '../../../shared/replication';
import { DevelopmentIssuer } from '../../../shared/security';
import { buildHrl } from '../../../shared/hrl';
import { digestOfBuffer } from '../../../shared/integrity';
import { startAzurite, type TestAzurite } from '../../support/azurite';
import { startTestCosmos, type TestCosmos } from '../../support/cosmos';
import { startFunclocal, type RunningFunclocal } from '../../support/funclocal';
import { startOnFreePort } from '../../support/ports';
import { tempDir } from '../../support/tempDir';
import { qemuSame, SourceDisk, uploadLog, writeImage, type CutLog } from '../replication/SourceDisk';

export const SUB = '00000000-0000-0000-0000-0000000000aa';
export const RG = 'dr-rg';
export const VAULT = 'vault1';
export const V = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.RecoveryServices/vaults/${VAULT}`;
export const VAULT_KEY = `${SUB}/${RG}/${VAULT}`.toLowerCase();
export const FABRIC = 'hv-site';
export const CONTAINER = 'hv-host';
export const P = `${V}/replicationFabrics/${FABRIC}/replicationProtectionContainers/${CONTAINER}/replicationProtectedItems`;
const DB = 'recovery';
const APP = join(__dirname, 'fixture-app');

/** A fetch response, loosely typed for assertions. */
export interface ApiResponse {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** The plays-Automation webhook: records calls and, unless told otherwise, calls back. */
export interface FakeAutomation {
  url: string;
  calls: { body: Record<string, any>; at: number }[];
  /** What to do with the next calls: call back with this outcome after `delayMs`, or stay silent. */
  behaviour: { mode: 'callback'; status: 'Succeeded' | 'Failed'; output?: string; delayMs: number } | { mode: 'silent' };
  callbacks: { status: number; body: unknown }[];
  stop(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A real local HTTP server in the role of an Azure Automation webhook (answers 202 with JobIds, then calls back). */
export async function startFakeAutomation(): Promise<FakeAutomation> {
  const fake: FakeAutomation = {
    url: '', calls: [], callbacks: [], behaviour: { mode: 'callback', status: 'Succeeded', output: 'runbook ok', delayMs: 200 },
    stop: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    void readBody(req).then((text) => {
      const body = JSON.parse(text) as Record<string, any>;
      fake.calls.push({ body, at: Date.now() });
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ JobIds: [`automation-job-${fake.calls.length}`] }));
      const b = fake.behaviour;
      if (b.mode === 'callback') {
        setTimeout(() => {
          void fetch(body.callbackUrl as string, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: b.status, output: b.output }) })
            .then(async (r) => fake.callbacks.push({ status: r.status, body: await r.json().catch(() => undefined) }))
            .catch((err: Error) => fake.callbacks.push({ status: 0, body: err.message }));
        }, b.delayMs);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/runbook`;
  fake.stop = () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });
  return fake;
}

export interface RecoveryHost {
  azurite: TestAzurite;
  cosmos: TestCosmos;
  host: RunningFunclocal;
  blobs: BlobServiceClient;
  store: MetadataStore;
  replication: ReplicationDeps;
  automation: FakeAutomation;
  dir: string;
  /** The app's settings as the host got them (a second host of the same app starts with these). */
  env: Record<string, string>;
  call(method: string, path: string, body?: unknown, role?: 'Reader' | 'Operator' | 'Contributor'): Promise<ApiResponse>;
  token(role: 'Reader' | 'Operator' | 'Contributor'): Promise<string>;
  restart(kill?: boolean): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Azurite and Cosmos DB in this process; the real compiled app in `funclocal` (its own
 * process, so it can be killed); a fake Automation webhook on loopback.
 */
export async function startRecoveryHost(env: Record<string, string> = {}, options: { app?: string } = {}): Promise<RecoveryHost> {
  const [azurite, cosmos, automation] = await Promise.all([startAzurite(), startTestCosmos(), startFakeAutomation()]);
  const tmp = tempDir('recovery-e2e-');
  const hostEnv = {
    COSMOS_KEY: cosmos.key, COSMOS_DATABASE: DB,
    ASR_AUTH_MODE: 'local', ASR_DEV_ISSUER_DIR: join(tmp.path, 'dev-issuer'), ASR_DATA_DIR: tmp.path,
    ASR_CALLBACK_SIGNING_KEY: randomBytes(32).toString('base64'),
    ASR_RUNBOOK_WEBHOOKS: JSON.stringify({ '/runbooks/open-firewall': { webhookUrl: automation.url }, '/runbooks/slow': { webhookUrl: automation.url }, '/runbooks/slow-continue': { webhookUrl: automation.url, onTimeout: 'Continue' } }),
    ASR_SUBSCRIPTIONS: SUB,
    RECOVERY_POLL_SECONDS: '1', RECOVERY_FINAL_LOG_TIMEOUT_SECONDS: '60',
    ...env,
  };
  // The host must know its own URL before it binds (runbook callbacks go to it), so its port is
  // picked up front; a port taken by a parallel suite meanwhile is retried with a fresh one.
  const start = (port: number) => startFunclocal({
    app: options.app ?? APP, port, storage: azurite.connectionString, cosmos: cosmos.endpoint,
    env: { ...hostEnv, ASR_PUBLIC_BASE_URL: `http://127.0.0.1:${port}` },
  });
  let host = await startOnFreePort(start);
  const issuer = await DevelopmentIssuer.open(hostEnv.ASR_DEV_ISSUER_DIR);
  const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
  for (const c of [...Object.values(REPLICA_CONTAINERS), ...Object.values(FABRIC_CONTAINERS)]) await blobs.getContainerClient(c).createIfNotExists();
  const config = { endpoint: cosmos.endpoint, key: cosmos.key, databaseId: DB, jobTtlSeconds: 3600, auditTtlSeconds: 3600 };
  const store = await ensureMetadataStore(config);
  const locate = metadataReplicaLocator(store);
  const client = new CosmosClient({ endpoint: cosmos.endpoint, key: cosmos.key, connectionPolicy: { enableEndpointDiscovery: false } });
  const replication: ReplicationDeps = {
    blobs,
    recorder: new CosmosRecoveryPointRecorder(store, locate, cosmosRecoveryPointDeleter(client.database(DB))),
    health: new MetadataHealthReporter(store, locate),
    settings: new MetadataReplicationSettings(store, locate),
  };
  const tokens = new Map<string, string>();
  const token = async (role: 'Reader' | 'Operator' | 'Contributor') => {
    if (!tokens.has(role)) tokens.set(role, await issuer.mintToken({ role, subject: `test-${role.toLowerCase()}` }));
    return tokens.get(role)!;
  };
  const h: RecoveryHost = {
    azurite, cosmos, host, blobs, store, replication, automation, dir: tmp.path,
    env: hostEnv,
    token,
    async call(method, path, body, role = 'Contributor') {
      const url = path.startsWith('http') ? path : `${h.host.baseUrl}${path}${path.includes('?') ? '&' : '?'}api-version=2023-08-01`;
      const res = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${await token(role)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
    },
    async restart(kill = false) {
      if (kill) await h.host.kill('SIGKILL'); else await h.host.stop();
      // Same port as before (the callback URL of running jobs names it); our own host just freed it.
      host = await start(h.host.port);
      h.host = host;
    },
    async stop() {
      await h.host.stop().catch(() => undefined);
      await Promise.all([azurite.stop(), cosmos.stop(), automation.stop()]);
      tmp.cleanup();
    },
  };
  return h;
}

/** Creates vault, site, host, a 30 s policy (optionally encrypting) and protected items with the given disks. */
export async function createSite(h: RecoveryHost, items: { name: string; disks: string[]; ip?: string; keyFingerprint?: string }[], options: { encrypted?: boolean } = {}): Promise<Record<string, string>> {
  const ok = (r: ApiResponse, what: string) => { if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}\n--- host log tail ---\n${h.host.logs().slice(-3000)}`); };
  ok(await h.call('PUT', V, { location: 'local' }), 'vault');
  ok(await h.call('PUT', `${V}/replicationFabrics/${FABRIC}`, { properties: { customDetails: { instanceType: 'HyperVSite' } } }), 'fabric');
  ok(await h.call('PUT', `${V}/replicationFabrics/${FABRIC}/replicationProtectionContainers/${CONTAINER}`, { properties: {} }), 'container');
  const policy = options.encrypted ? 'policy-enc' : 'policy-30s';
  ok(await h.call('PUT', `${V}/replicationPolicies/${policy}`, {
    properties: { providerSpecificInput: { instanceType: 'HyperVReplicaAzure', replicationInterval: 30, recoveryPointHistoryDuration: 24, applicationConsistentSnapshotFrequencyInHours: 1, encryption: options.encrypted ? 'Enabled' : 'Disabled' } },
  }), 'policy');
  const ids: Record<string, string> = {};
  for (const it of items) {
    const res = await h.call('PUT', `${P}/${it.name}`, {
      properties: {
        policyId: `${V}/replicationPolicies/${policy}`,
        providerSpecificDetails: {
          instanceType: 'HyperVReplicaAzure', vmName: it.name, targetAzureVmName: `${it.name}-dr`, targetVmSize: 'Standard_D2s_v3',
          targetAzureNetworkId: 'prod-vnet', targetAzureSubnetId: 'app', disks: it.disks.map((diskId) => ({ diskId })),
          ...(it.ip ? { targetIpAddress: it.ip } : {}), ...(it.keyFingerprint ? { encryptionKeyFingerprint: it.keyFingerprint } : {}),
        },
      },
    });
    ok(res, `item ${it.name}`);
    ids[it.name] = `${P}/${it.name}`;
  }
  return ids;
}

/** A replicated disk: source image, logs cut and merged through the real merge engine. */
export class ReplicatedDisk {
  readonly src: SourceDisk;
  readonly logs: CutLog[] = [];
  readonly ref: DiskRef;

  constructor(private readonly h: RecoveryHost, item: string, disk: string, size: number, key?: Buffer) {
    this.ref = { vault: vaultSegmentOf(VAULT_KEY), item, disk };
    this.src = new SourceDisk(h.dir, this.ref, size, key ? { key } : {});
  }

  /** The protection id the API issued the item: stamped on every log, as the agent does. */
  private async protectionId(): Promise<string | undefined> {
    const found = await metadataReplicaLocator(this.h.store)(this.ref);
    return found?.item.properties.providerSpecificDetails.protectionId;
  }

  /** Writes with qemu-io, cuts a log and uploads it; merges it unless `merge: false`. */
  async change(cutTimeMs: number, commands: string[], options: { merge?: boolean; full?: boolean; consistency?: 'crash' | 'application' } = {}): Promise<CutLog> {
    if (commands.length) this.src.io(...commands);
    const log = this.src.cutLog({ cutTimeMs, full: options.full, consistency: options.consistency });
    this.logs.push(log);
    await uploadLog(this.h.blobs, this.ref, log.sequence, log.bytes, await this.protectionId());
    if (options.merge ?? true) await mergeDisk(this.h.replication, this.ref);
    return log;
  }

  /**
   * What the agent does when asked to stop for a planned failover: one last log of what changed
   * since the previous cut, flagged `finalPlannedFailover` (plaintext disks only).
   */
  async shipFinalLog(cutTimeMs: number, commands: string[]): Promise<CutLog> {
    if (commands.length) this.src.io(...commands);
    const previous = this.logs[this.logs.length - 1];
    const image = this.src.image();
    const writes: { offset: number; payload: Buffer }[] = [];
    for (let at = 0; at < image.length; at += 4096) {
      if (image.subarray(at, at + 4096).compare(previous.image.subarray(at, at + 4096)) !== 0) writes.push({ offset: at, payload: Buffer.from(image.subarray(at, at + 4096)) });
    }
    const sequence = previous.sequence + 1n;
    const bytes = buildHrl({
      vaultId: this.ref.vault, protectedItemId: this.ref.item, diskId: this.ref.disk, sequence, epoch: 1n, virtualSize: image.length, cutTimeMs,
      consistency: 'application', finalPlannedFailover: true, diskDigest: digestOfBuffer(image),
    }, writes);
    const log: CutLog = { sequence, bytes, cutTimeMs, image: Buffer.from(image) };
    this.logs.push(log);
    await uploadLog(this.h.blobs, this.ref, sequence, bytes, await this.protectionId());
    return log;
  }

  /** qemu-img's verdict on a recovered VHD blob against the source image after `log`. */
  async sameAs(blobName: string, log: CutLog): Promise<{ same: boolean; output: string }> {
    const buf = await this.h.blobs.getContainerClient(FABRIC_CONTAINERS.disks).getBlobClient(blobName).downloadToBuffer();
    const vhd = join(this.h.dir, `${blobName.replace(/\//g, '_')}`);
    writeFileSync(vhd, buf);
    return qemuSame(writeImage(join(this.h.dir, `${this.ref.item}-${this.ref.disk}-${log.sequence}.raw`), log.image), vhd);
  }
}

/** Downloads a recovered disk (`asr-recovery/{machine}/{disk}.vhd` of the local fabric) to a new file; returns its path. */
export async function downloadRecoveredDisk(h: RecoveryHost, machine: string, disk: string): Promise<string> {
  const file = join(h.dir, `${machine}-${disk}-${Date.now()}.vhd`);
  await h.blobs.getContainerClient(FABRIC_CONTAINERS.disks).getBlobClient(`asr-recovery/${machine}/${disk}.vhd`).downloadToFile(file);
  return file;
}

/** Polls a job until `done(job)` holds; returns the job. */
export async function waitForJob(h: RecoveryHost, jobName: string, done: (job: any) => boolean, timeoutMs = 60_000): Promise<any> {
  const until = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < until) {
    const r = await h.call('GET', `${V}/replicationJobs/${jobName}`, undefined, 'Reader');
    if (r.status === 200) {
      last = r.body;
      if (done(last)) return last;
    }
    await new Promise((r2) => setTimeout(r2, 250));
  }
  throw new Error(`job ${jobName} did not get there in ${timeoutMs} ms; last: ${JSON.stringify(last?.properties, null, 1)}\n--- host log tail ---\n${h.host.logs().slice(-4000)}`);
}

/** The job name of an operation's 202 (`Location: …/operationresults/{job}`). */
export function jobOf(res: ApiResponse): string {
  const loc = res.headers.get('location');
  if (res.status !== 202 || !loc) throw new Error(`expected 202 with Location, got ${res.status} ${JSON.stringify(res.body)}`);
  return new URL(loc).pathname.split('/').pop()!;
}

/** Flattened tasks `[taskId, state]`, children after their group. */
export function taskStates(job: any): [string, string][] {
  const out: [string, string][] = [];
  for (const t of job.properties.tasks) {
    out.push([t.taskId, t.state]);
    for (const c of t.groupTaskCustomDetails?.childTasks ?? []) out.push([c.taskId, c.state]);
  }
  return out;
}
