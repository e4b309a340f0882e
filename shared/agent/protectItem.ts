import type { ReplicaAccess, ReplicaChannel } from './ReplicaChannel';
import { channelOf } from './storageChannel';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { DATA_UNIT_SIZE } from '../crypto';
import { openSourceDisk } from './BlockDeviceImage';
import { ServiceError } from '../errors';
import { vaultKeyOf } from '../contracts/VaultRef';
import { vaultSegmentOf } from '../contracts/vaultSegment';
import { AgentApi } from './AgentApi';
import { AgentState } from './AgentState';
import { AgentStateStore } from './AgentStateStore';
import { DiskBlockTable } from './DiskBlockTable';
import { enableProtection } from './enableProtection';
import { assertProtectionKnown, endpointOf } from './assertStateBelongs';
import { readEncryptionKey } from './readEncryptionKey';
import { DEFAULT_SEED_LOG_BYTES, ReplicationAgent } from './ReplicationAgent';
import { waitForMerge, WaitForMergeOptions } from './waitForMerge';

export interface ProtectOptions {
  vault: string;
  item: string;
  diskPaths: string[];
  policy: string;
  keyFile?: string;
  stateDir: string;
  fabric?: string;
  container?: string;
  seedLogBytes?: number;
  /** Return once the seed is uploaded, without waiting for the merge. */
  noWait?: boolean;
  merge?: WaitForMergeOptions;
  onProgress?(diskId: string, done: number, total: number): void;
  onSeedLog?(info: { bytesUploaded: number }): void;
}

export interface ProtectResult {
  state: AgentState;
  /** Bytes of logs this call uploaded (a resumed seed sends only what is left). */
  bytesUploaded: number;
  resumed: boolean;
}

/**
 * `asr agent protect`: enables protection through the API (first run), then seeds every disk
 * with logs of its stored data, checkpointing after each, and waits until the replicas have
 * merged them. Run again after an interruption, it resumes where the last checkpoint stopped.
 */
export async function protectItem(api: AgentApi, access: ReplicaAccess, options: ProtectOptions): Promise<ProtectResult> {
  const channel = channelOf(access);
  const store = new AgentStateStore(options.stateDir, options.vault, options.item);
  const existing = await store.load();
  const key = options.keyFile ? await readEncryptionKey(options.keyFile) : undefined;
  const paths = options.diskPaths.map((p) => resolve(p));
  if (existing) {
    // State from another service or protection: refuse before shipping anything it cannot merge.
    await assertProtectionKnown(api, store, existing);
    if (existing.disks.map((d) => d.path).join('\n') !== paths.join('\n') || existing.policyName !== options.policy) {
      throw new ServiceError('AlreadyProtected', `item '${options.item}' is already protected by this agent with other disks or another policy (state in ${store.dir})`);
    }
  } else {
    await register(api, store, options, paths, key?.fingerprint ?? null, channel);
  }
  const agent = await ReplicationAgent.open(store, channel, options.keyFile);
  let bytesUploaded = 0;
  try {
    for (;;) {
      const step = await agent.seedStep(options.seedLogBytes ?? DEFAULT_SEED_LOG_BYTES, options.onProgress);
      bytesUploaded += step.bytesUploaded;
      options.onSeedLog?.({ bytesUploaded });
      if (!step.more) break;
    }
    bytesUploaded += await agent.flushOutbox();
  } finally {
    await agent.close();
  }
  if (!options.noWait) await waitForMerge(channel, agent.mergeTargets(), options.merge);
  return { state: agent.current, bytesUploaded, resumed: existing !== undefined };
}

async function register(api: AgentApi, store: AgentStateStore, options: ProtectOptions, paths: string[], keyFingerprint: string | null, channel: ReplicaChannel): Promise<void> {
  const disks: AgentState['disks'] = [];
  for (const [i, path] of paths.entries()) {
    const image = await openSourceDisk(path);
    await image.close();
    if (keyFingerprint && image.virtualSize % DATA_UNIT_SIZE !== 0) {
      throw new ServiceError('InvalidDisk', `${path} is ${image.virtualSize} bytes; encrypted replication needs a size that is a multiple of 4096`);
    }
    disks.push({ diskId: `disk${i}`, path, format: image.format, virtualSize: image.virtualSize, nextSequence: 1, generation: 0, seedOffset: 0, outbox: [], shipped: [] });
  }
  const reg = await enableProtection(api, {
    vault: options.vault,
    item: options.item,
    policy: options.policy,
    fabric: options.fabric ?? 'site',
    container: options.container ?? (hostname().toLowerCase().replace(/[^a-z0-9-]/g, '-') || 'host'),
    disks: disks.map((d) => ({ diskId: d.diskId, diskName: d.path.split('/').pop()!, capacityInBytes: d.virtualSize })),
    keyFingerprint,
    hostName: hostname(),
    ...(channel.siteId ? { sourceSiteId: channel.siteId } : {}),
  });
  const { subscriptionId, resourceGroup } = api.config;
  const state: AgentState = {
    version: 1,
    vault: options.vault,
    vaultSegment: vaultSegmentOf(vaultKeyOf({ subscriptionId, resourceGroupName: resourceGroup, vaultName: options.vault })),
    item: options.item,
    itemArmId: reg.itemArmId,
    endpoint: endpointOf(api, options.vault),
    protectionId: reg.protectionId,
    policyName: options.policy,
    intervalSeconds: reg.intervalSeconds,
    epoch: 1,
    keyFingerprint,
    keyFile: options.keyFile ? resolve(options.keyFile) : null,
    lastCutTimeMs: 0,
    disks,
  };
  await store.ensureDirs(disks.map((d) => d.diskId));
  for (const d of disks) await store.saveTable(d.diskId, 0, DiskBlockTable.empty(d.virtualSize));
  await store.commit(state);
}
