import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AsrApiClient } from '../../../cli/api/AsrApiClient';
import { AgentStateStore, protectItem, runAgent, syncItem } from '../../../shared/agent';
import { buildHrl } from '../../../shared/hrl';
import { digestOfBuffer } from '../../../shared/integrity';
import { listPendingLogs, mergeDisk, pendingContainer, readReplica, replicaClient } from '../../../shared/replication';
import { CONTAINER, createSite, downloadRecoveredDisk, FABRIC, jobOf, P, RG, startRecoveryHost, SUB, VAULT, waitForJob, type RecoveryHost } from '../recovery/recoveryHarness';
import { uploadLog } from '../replication/SourceDisk';
import { qemuCompare, qemuIo, snapshotImage, startMergePump } from './agentHarness';

const MiB = 1024 * 1024;
const ended = (j: any) => ['Succeeded', 'Failed', 'Cancelled'].includes(j.properties.state);

/** `qemu-img info`'s virtual size of an image. */
function virtualSize(path: string, format: string): number {
  return (JSON.parse(execFileSync('qemu-img', ['info', '-f', format, '--output=json', path], { encoding: 'utf8' })) as { 'virtual-size': number })['virtual-size'];
}

/**
 * The agent against the whole app in funclocal: disks of sizes qemu-img picks (not whole MiB)
 * recovered byte for byte, and an item whose failover was committed stops replicating.
 */
describe('failover of odd-sized disks and replication after commit (agent, funclocal, qemu-img)', () => {
  let h: RecoveryHost;
  let api: AsrApiClient;
  let pump: { stop(): Promise<void> };

  beforeAll(async () => {
    h = await startRecoveryHost();
    await createSite(h, []);
    pump = startMergePump(h.blobs, h.replication);
    api = new AsrApiClient({ endpoint: h.host.baseUrl, subscriptionId: SUB, resourceGroup: RG, dataDir: h.dir, devIssuerDir: join(h.dir, 'dev-issuer') });
  }, 240_000);
  afterAll(async () => {
    await pump?.stop();
    await h?.stop();
  });

  const recovered = (machine: string, disk: string) => downloadRecoveredDisk(h, machine, disk);

  it('raw, fixed VHD, dynamic VHD and VHDX whose sizes are not whole MiB: protect, sync, test failover; every recovered disk is the source', async () => {
    const images: { path: string; format: 'raw' | 'vpc' | 'vhdx'; create: string[] }[] = [
      { path: join(h.dir, 'odd.raw'), format: 'raw', create: ['5000000'] },
      { path: join(h.dir, 'odd-fixed.vhd'), format: 'vpc', create: ['-o', 'subformat=fixed', '8M'] },
      { path: join(h.dir, 'odd-dynamic.vhd'), format: 'vpc', create: ['8M'] },
      { path: join(h.dir, 'odd.vhdx'), format: 'vhdx', create: ['10000000'] },
    ];
    for (const [i, img] of images.entries()) {
      execFileSync('qemu-img', ['create', '-q', '-f', img.format, img.path, ...img.create.slice(0, -1), img.create[img.create.length - 1]]);
      const size = virtualSize(img.path, img.format);
      expect(size % MiB).not.toBe(0);
      // Data at the start and in the very last sector, past the last whole MiB.
      qemuIo(img.path, img.format, `write -P 0x${(0x31 + i).toString(16)} 0 64k`, `write -P 0x${(0x41 + i).toString(16)} ${size - 512} 512`);
    }
    const atSeed = images.map((img, i) => { const out = join(h.dir, `odd-${i}-at-seed.raw`); snapshotImage(img.path, img.format, out); return out; });
    const stateDir = join(h.dir, 'agent-odd');
    await protectItem(api, h.blobs, { vault: VAULT, item: 'odd', diskPaths: images.map((i) => i.path), policy: 'policy-30s', fabric: FABRIC, container: CONTAINER, stateDir, merge: { pollMs: 100 } });
    expect((await h.call('PATCH', `${P}/odd`, { properties: { recoveryAzureVMName: 'odd-dr', selectedRecoveryAzureNetworkId: 'prod-vnet' } })).status).toBe(200);
    const atSync: string[] = [];
    for (const [i, img] of images.entries()) {
      qemuIo(img.path, img.format, `write -P 0x${(0x51 + i).toString(16)} ${virtualSize(img.path, img.format) - 4096} 3584`);
      atSync.push(join(h.dir, `odd-${i}-at-sync.raw`));
      snapshotImage(img.path, img.format, atSync[i]);
    }
    await syncItem(h.blobs, { vault: VAULT, item: 'odd', stateDir, merge: { pollMs: 100 } });

    const test = jobOf(await h.call('POST', `${P}/odd/testFailover`, { properties: { failoverDirection: 'PrimaryToRecovery', networkId: 'test-vnet' } }, 'Operator'));
    const tested = await waitForJob(h, test, (j) => ended(j) || /WaitingForStopTestFailover/.test(j.properties.stateDescription ?? ''), 120_000);
    expect(tested.properties.errors).toEqual([]);
    expect(tested.properties.state).toBe('Suspended');
    for (const [i] of images.entries()) {
      const verdict = qemuCompare(atSync[i], 'raw', await recovered('odd-dr-test', `disk${i}`), 'vpc');
      expect([i, verdict.status, verdict.output]).toEqual([i, 0, expect.stringContaining('Images are identical')]);
    }
    // A recovery point exported on demand (materialised into disk-exports/) is the source at the seed.
    // The item's points are its cuts (every disk together); the oldest is the seed's.
    const points = (await h.call('GET', `${P}/odd/recoveryPoints`, undefined, 'Reader')).body.value as { name: string; properties: { recoveryPointTime: string } }[];
    const oldest = points.sort((a, b) => a.properties.recoveryPointTime.localeCompare(b.properties.recoveryPointTime))[0];
    for (const i of [0, 2]) {
      const exported = await h.call('POST', `${P}/odd/exportDisk`, { properties: { diskId: `disk${i}`, from: 'Point', recoveryPointId: oldest.name } }, 'Operator');
      expect([exported.status, exported.body.error]).toEqual([200, undefined]);
      const file = join(h.dir, `odd-${i}-exported.vhd`);
      writeFileSync(file, Buffer.from(await (await fetch(exported.body.properties.url)).arrayBuffer()));
      expect([i, qemuCompare(atSeed[i], 'raw', file, 'vpc').status]).toEqual([i, 0]);
    }
    const cleanup = jobOf(await h.call('POST', `${P}/odd/testFailoverCleanup`, {}, 'Operator'));
    expect((await waitForJob(h, cleanup, ended)).properties.state).toBe('Succeeded');
  }, 300_000);

  it('after a committed failover the agent ships nothing and stops saying why; the merge holds logs that still arrive', async () => {
    const raw = join(h.dir, 'gone.raw');
    writeFileSync(raw, Buffer.alloc(2 * MiB));
    qemuIo(raw, 'raw', 'write -P 0x61 0 256k');
    const stateDir = join(h.dir, 'agent-gone');
    await protectItem(api, h.blobs, { vault: VAULT, item: 'gone', diskPaths: [raw], policy: 'policy-30s', fabric: FABRIC, container: CONTAINER, stateDir, merge: { pollMs: 100 } });
    expect((await h.call('PATCH', `${P}/gone`, { properties: { selectedRecoveryAzureNetworkId: 'prod-vnet' } })).status).toBe(200);
    qemuIo(raw, 'raw', 'write -P 0x62 1M 4k');
    await syncItem(h.blobs, { vault: VAULT, item: 'gone', stateDir, merge: { pollMs: 100 } });

    const failover = jobOf(await h.call('POST', `${P}/gone/unplannedFailover`, { properties: { failoverDirection: 'PrimaryToRecovery', sourceSiteOperations: 'NotRequired' } }));
    expect((await waitForJob(h, failover, ended, 120_000)).properties.state).toBe('Succeeded');
    const commit = jobOf(await h.call('POST', `${P}/gone/failoverCommit`, {}));
    expect((await waitForJob(h, commit, ended)).properties.state).toBe('Succeeded');

    const state = await new AgentStateStore(stateDir, VAULT, 'gone').require();
    const disk = { vault: state.vaultSegment, item: 'gone', disk: state.disks[0].diskId };
    const before = (await readReplica(replicaClient(h.replication, disk)))!.state!;

    qemuIo(raw, 'raw', 'write -P 0x63 1536k 4k');
    await expect(syncItem(h.blobs, { vault: VAULT, item: 'gone', stateDir, merge: { pollMs: 100, timeoutMs: 5000 } }))
      .rejects.toMatchObject({ code: 'ReplicationEnded', message: expect.stringMatching(/failover was committed \(job .+\).*nothing was shipped/) });
    expect(await listPendingLogs(pendingContainer(h.replication), disk)).toEqual([]);
    await expect(runAgent(h.blobs, { vault: VAULT, item: 'gone', stateDir, intervalSeconds: 1 })).rejects.toMatchObject({ code: 'ReplicationEnded' });
    // The CLI says so and exits non-zero.
    const cli = spawnSync(process.execPath, [join(__dirname, '..', '..', '..', 'dist', 'cli', 'asr.js'), 'agent', 'sync', VAULT, 'gone', '--state-dir', stateDir], {
      encoding: 'utf8',
      env: { ...process.env, ASR_ENDPOINT: h.host.baseUrl, ASR_SUBSCRIPTION: SUB, ASR_RESOURCE_GROUP: RG, ASR_DEV_ISSUER_DIR: join(h.dir, 'dev-issuer'), ASR_STORAGE_CONNECTION_STRING: h.azurite.connectionString },
    });
    expect(cli.status).toBe(1);
    expect(cli.stderr).toMatch(/^asr: replication of 'gone' has ended: its failover was committed \(job .+\).*\[ReplicationEnded\]$/m);
    expect(await listPendingLogs(pendingContainer(h.replication), disk)).toEqual([]);

    // A log that arrives anyway (an old agent, a copy) is held, not merged.
    const image = readFileSync(raw);
    const log = buildHrl({
      vaultId: disk.vault, protectedItemId: disk.item, diskId: disk.disk, sequence: before.lastAppliedSequence + 1n, epoch: before.epoch,
      virtualSize: image.length, cutTimeMs: Date.now(), consistency: 'crash', finalPlannedFailover: false, diskDigest: digestOfBuffer(image),
    }, [{ offset: 1536 * 1024, payload: image.subarray(1536 * 1024, 1540 * 1024) }]);
    await uploadLog(h.blobs, disk, before.lastAppliedSequence + 1n, log);
    const merge = await mergeDisk(h.replication, disk);
    expect(merge).toMatchObject({ outcome: 'held', applied: [], lastAppliedSequence: before.lastAppliedSequence, heldReason: expect.stringContaining('committed') });
    expect((await readReplica(replicaClient(h.replication, disk)))!.state!.lastAppliedSequence).toBe(before.lastAppliedSequence);
    expect((await listPendingLogs(pendingContainer(h.replication), disk)).map((p) => p.sequence)).toEqual([before.lastAppliedSequence + 1n]);
  }, 300_000);
});
