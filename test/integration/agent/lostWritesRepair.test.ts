import { randomBytes, randomInt } from 'node:crypto';
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { PageBlobClient } from '@azure/storage-blob';
import { obtainToken } from '../../../cli/api/obtainToken';
import { waitForMerge } from '../../../shared/agent';
import { registerAgentCommands } from '../../../cli/commands/agent';
import { registerItemCommands } from '../../../cli/commands/item';
import { vaultKeyOf } from '../../../shared/metadata';
import { DiskRef, journalPrefix, quarantineBlob, readReplica, REPLICA_CONTAINERS, replicaClient, sequenceOfLogName, vaultSegmentOf } from '../../../shared/replication';
import { runAsrInProcess, type AsrRun } from '../../support/runAsrInProcess';
import { tempDir } from '../../support/tempDir';
import { waitFor } from '../devhost/triggerRecords';
import { siteRecoveryClient } from '../api/siteRecoveryClient';
import { AgentCloud, qemuCompare, startAgentCloud, pointCliAt } from './agentHarness';

const MiB = 1024 * 1024;
const BLOCK = 4096;

function asr(...args: string[]): Promise<AsrRun> {
  return runAsrInProcess([registerAgentCommands, registerItemCommands], args);
}

/** `count` distinct 4 KiB block indexes of a disk of `blocks` blocks, at random. */
function randomBlocks(blocks: number, count: number): number[] {
  const set = new Set<number>();
  while (set.size < count) set.add(randomInt(blocks));
  return [...set].sort((a, b) => a - b);
}

/** Overwrites those blocks of a raw image with random data (what a workload does between syncs). */
function writeBlocks(path: string, blocks: number[]): void {
  const fd = openSync(path, 'r+');
  for (const b of blocks) writeSync(fd, randomBytes(BLOCK), 0, BLOCK, b * BLOCK);
  closeSync(fd);
}

/**
 * Writes to the replica as storage itself would (a rollback, bit rot), under the blob's lease so
 * no merge is writing meanwhile; waits for a merge that holds it to let go.
 */
async function underLease(blob: PageBlobClient, write: (leaseId: string) => Promise<void>): Promise<void> {
  const lease = blob.getBlobLeaseClient();
  await waitFor('the replica lease', async () => lease.acquireLease(60).then(() => true, () => false));
  try {
    await write(lease.leaseId);
  } finally {
    await lease.releaseLease();
  }
}

/** Bytes uploaded, from the sync's `uploaded N …` line (formatBytes: B, KiB, MiB). */
function uploadedBytes(out: string): number {
  const m = /uploaded ([\d.]+) (B|KiB|MiB|GiB)/.exec(out);
  if (!m) throw new Error(`no 'uploaded' in:\n${out}`);
  return Number(m[1]) * { B: 1, KiB: 1024, MiB: MiB, GiB: 1024 * MiB }[m[2] as 'B']!;
}

describe('lost acknowledged writes: detected by the agent and repaired by a new epoch of only the differing blocks (real agent, CLI, API, merge; qemu-img judges)', () => {
  let cloud: AgentCloud;
  const dir = tempDir('lost-writes-');
  let restoreEnv: () => void;

  beforeAll(async () => {
    cloud = await startAgentCloud();
    restoreEnv = pointCliAt(cloud);
  });
  afterAll(async () => {
    restoreEnv();
    await cloud.stop();
    dir.cleanup();
  });

  function diskOf(vault: string, item: string): DiskRef {
    return { vault: vaultSegmentOf(vaultKeyOf({ subscriptionId: cloud.api.config.subscriptionId, resourceGroupName: 'local', vaultName: vault })), item, disk: 'disk0' };
  }

  /** A raw disk of random data, protected through the CLI with seed logs of 16 MiB. */
  async function protectRandomDisk(vault: string, item: string, sizeMiB: number): Promise<{ disk: string; stateDir: string }> {
    await cloud.createVaultAndPolicy(vault, 'p30', false);
    const disk = join(dir.path, `${item}.raw`);
    writeFileSync(disk, randomBytes(sizeMiB * MiB));
    const stateDir = join(dir.path, `state-${item}`);
    const protect = await asr('agent', 'protect', vault, item, '--disk', disk, '--policy', 'p30', '--state-dir', stateDir, '--container', 'host1', '--seed-log-mib', '16');
    expect(protect.err).toBe('');
    return { disk, stateDir };
  }

  async function expectReplicaIdentical(ref: DiskRef, source: string): Promise<void> {
    const out = join(dir.path, `${ref.item}-replica-${Date.now()}.vhd`);
    const m = await cloud.materialize(ref, out);
    expect(m.verified).toBe(true);
    const cmp = qemuCompare(source, 'raw', out, 'vpc');
    expect({ status: cmp.status, output: cmp.output.trim() }).toEqual({ status: 0, output: 'Images are identical.' });
  }

  it('asr agent sync finds the replica below the log it acknowledged, repairs by itself shipping under 2 % of the disk, and the replica equals the source', async () => {
    const { disk, stateDir } = await protectRandomDisk('vl', 'web01', 64);
    const ref = diskOf('vl', 'web01');
    const blob = replicaClient(cloud.deps, ref);
    // What storage will fall back to: the replica as the seed left it (state in its metadata).
    const earlier = (await blob.createSnapshot()).snapshot!;
    const earlierSequence = (await readReplica(blob))!.state!.lastAppliedSequence;

    const blocks = (64 * MiB) / BLOCK;
    for (let i = 0; i < 2; i++) {
      writeBlocks(disk, randomBlocks(blocks, 60));
      const sync = await asr('agent', 'sync', 'vl', 'web01', '--state-dir', stateDir);
      expect(sync.err).toBe('');
      expect(sync.out).toMatch(/merged\n$/);
    }
    const acknowledged = (await readReplica(blob))!.state!.lastAppliedSequence;
    expect(acknowledged).toBe(earlierSequence + 2n);

    // Storage loses its last writes: the replica (pages and state) is back at the seed, and the
    // merged logs after it are gone from the journal too; the agent has cleared its outbox.
    const snap = blob.withSnapshot(earlier);
    const image = await snap.downloadToBuffer();
    await underLease(blob, async (leaseId) => {
      for (let at = 0; at < image.length; at += 4 * MiB) {
        await blob.uploadPages(image.subarray(at, at + 4 * MiB), at, Math.min(4 * MiB, image.length - at), { conditions: { leaseId } });
      }
      await blob.setMetadata((await snap.getProperties()).metadata, { conditions: { leaseId } });
    });
    const journal = cloud.blobs.getContainerClient(REPLICA_CONTAINERS.journal);
    for await (const b of journal.listBlobsFlat({ prefix: journalPrefix(ref) })) {
      if (sequenceOfLogName(b.name.split('/').pop()!)! > earlierSequence) await journal.deleteBlob(b.name);
    }
    expect((await readReplica(blob))!.state!.lastAppliedSequence).toBe(earlierSequence);

    // And the workload keeps writing.
    writeBlocks(disk, randomBlocks(blocks, 20));
    const repair = await asr('agent', 'sync', 'vl', 'web01', '--state-dir', stateDir);
    expect(repair.err).toBe('');
    expect(repair.out).toContain(`repairing replication: epoch 2 (the replica of disk web01/disk0 is at epoch 1, log ${earlierSequence}, but the service had acknowledged log ${acknowledged}`);
    expect(repair.out).toMatch(/repair \(epoch 2\) cut .*: uploaded/);
    expect(repair.out).toMatch(/disk0: log 1, \d+ changed blocks \((\d+) differing from the replica\)/);
    const differing = Number(/\((\d+) differing from the replica\)/.exec(repair.out)![1]);
    expect(differing).toBeGreaterThanOrEqual(100); // the 2 × 60 blocks lost (some may coincide with the 20 new ones)
    expect(differing).toBeLessThanOrEqual(140);
    expect(repair.out).toMatch(/merged\n$/);
    expect(uploadedBytes(repair.out)).toBeLessThanOrEqual(0.02 * 64 * MiB);

    const state = (await readReplica(blob))!.state!;
    expect({ epoch: state.epoch, sequence: state.lastAppliedSequence, seedComplete: state.seedComplete }).toEqual({ epoch: 2n, sequence: 1n, seedComplete: true });
    await expectReplicaIdentical(ref, disk);
    const [item] = (await cloud.api.get(`${cloud.api.vaultPath('vl')}/replicationProtectedItems`) as unknown as { value: { id: string }[] }).value;
    await waitFor('the item to be Protected in epoch 2', async () => {
      const p = (await cloud.api.get(item.id)).properties;
      return p.protectionState === 'Protected' && p.providerSpecificDetails.protectedDisks?.[0]?.replicationEpoch === 2;
    });

    // The next ordinary sync goes on in epoch 2.
    writeBlocks(disk, randomBlocks(blocks, 3));
    const after = await asr('agent', 'sync', 'vl', 'web01', '--state-dir', stateDir);
    expect(after.err).toBe('');
    expect(after.out).not.toContain('repair');
    expect(after.out).toMatch(/disk0: log 2, 3 changed blocks/);
    await expectReplicaIdentical(ref, disk);
  }, 240_000);

  it('repairReplication through the official client: the item resynchronises, the agent ships only the replica blocks that differ, the operation ends Protected', async () => {
    const { disk, stateDir } = await protectRandomDisk('vo', 'db01', 32);
    const ref = diskOf('vo', 'db01');
    const blob = replicaClient(cloud.deps, ref);
    // The replica diverged from what was shipped in 1 % of its blocks.
    const diverged = randomBlocks((32 * MiB) / BLOCK, 82);
    await underLease(blob, async (leaseId) => {
      for (const b of diverged) await blob.uploadPages(randomBytes(BLOCK), b * BLOCK, BLOCK, { conditions: { leaseId } });
    });

    const client = siteRecoveryClient(cloud.apiUrl, cloud.api.config.subscriptionId, await obtainToken(cloud.api.config, 'Contributor'));
    const operation = client.replicationProtectedItems.beginRepairReplicationAndWait('vo', 'local', 'site', 'host1', 'db01');
    let finished = false;
    void operation.then(() => { finished = true; }, () => { finished = true; });

    // The service's half is done at once; the operation waits for the agent.
    const [item] = (await cloud.api.get(`${cloud.api.vaultPath('vo')}/replicationProtectedItems`) as unknown as { value: { id: string }[] }).value;
    await waitFor('the item to be resynchronising', async () => (await cloud.api.get(item.id)).properties.protectionState === 'ResynchronizationInProgress');
    expect(finished).toBe(false);
    const shown = await asr('item', 'show', 'vo', 'db01');
    expect(shown.out).toContain('state: ResynchronizationInProgress');

    const sync = await asr('agent', 'sync', 'vo', 'db01', '--state-dir', stateDir);
    expect(sync.err).toBe('');
    expect(sync.out).toContain('repairing replication: epoch 2 (repair requested (requested by');
    expect(sync.out).toContain(`disk0: log 1, ${diverged.length} changed blocks (${diverged.length} differing from the replica)`);
    expect(uploadedBytes(sync.out)).toBeLessThanOrEqual(0.02 * 32 * MiB);

    const result = await operation;
    expect(result.properties?.protectionState).toBe('Protected');
    await expectReplicaIdentical(ref, disk);
  }, 240_000);

  it('asr item resync starts the repair and says the agent ships it when it next runs', async () => {
    await protectRandomDisk('vc', 'app01', 8);
    const r = await asr('item', 'resync', 'vc', 'app01');
    expect(r.err).toBe('');
    expect(r.out).toContain('repair of app01 started: replication epoch 2');
    expect(r.out).toContain("state: ResynchronizationInProgress. The agent ships the differing blocks when it next runs ('asr agent sync vc app01'");
    // Asked again before the agent ran: the same request stands, no new epoch.
    const again = await asr('item', 'resync', 'vc', 'app01');
    expect(again.out).toContain('replication epoch 2');
  }, 120_000);

  it('after a repair, a log quarantined in the older epoch under a sequence the new epoch reaches is not taken for one of its own', async () => {
    const ref = diskOf('vc', 'app01');
    const quarantine = cloud.blobs.getContainerClient(REPLICA_CONTAINERS.quarantine);
    const refusedAt = new Date(Date.now() - 60_000);
    const body = Buffer.from('not a log');
    await quarantine.getBlockBlobClient(quarantineBlob(ref, '00000000000000000003.hrl', refusedAt)).upload(body, body.length, {
      metadata: { reason: 'CorruptFormat', sequence: '3', quarantinedat: refusedAt.toISOString() },
    });
    // Waiting for log 3 of epoch 2 (which never comes here): without the epoch's start the old refusal fails the wait…
    const target = { disk: ref, epoch: 2, sequence: 3 };
    await expect(waitForMerge(cloud.blobs, [target], { pollMs: 10, timeoutMs: 1500 })).rejects.toMatchObject({ code: 'LogQuarantined' });
    // …with it, the wait goes on (and times out, since nothing merges log 3).
    await expect(waitForMerge(cloud.blobs, [{ ...target, since: new Date().toISOString() }], { pollMs: 10, timeoutMs: 1500 })).rejects.toMatchObject({ code: 'MergeTimeout' });
  });
});
