import { randomBytes } from 'node:crypto';
import { writeFileSync, openSync, writeSync, closeSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { protectItem, syncItem } from '../../../shared/agent';
import { REPLICA_CONTAINERS } from '../../../shared/replication';
import { tempDir } from '../../support/tempDir';
import { waitFor } from '../devhost/triggerRecords';
import { AgentCloud, diskRefs, qemuCompare, qemuIo, snapshotImage, startAgentCloud } from './agentHarness';

const MiB = 1024 * 1024;
const merge = { pollMs: 100, timeoutMs: 60_000 };

/** Writes `text` repeated over `length` bytes at `offset` of a raw image: content no blob may show in clear. */
function writeMarker(path: string, offset: number, length: number, text: string): Buffer {
  const unit = Buffer.from(text);
  const buf = Buffer.alloc(length);
  for (let i = 0; i < length; i += unit.length) unit.copy(buf, i);
  const fd = openSync(path, 'r+');
  writeSync(fd, buf, 0, length, offset);
  closeSync(fd);
  return buf;
}

describe('asr agent: a two-disk machine protected, changed and synced (Azurite, API, merge engine; qemu-img judges)', () => {
  let cloud: AgentCloud;
  const dir = tempDir('agent-e2e-');

  beforeAll(async () => {
    cloud = await startAgentCloud();
  });
  afterAll(async () => {
    await cloud.stop();
    dir.cleanup();
  });

  function makeDisks(prefix: string): { raw: string; vhdx: string } {
    const raw = join(dir.path, `${prefix}-os.raw`);
    const vhdx = join(dir.path, `${prefix}-data.vhdx`);
    writeFileSync(raw, Buffer.alloc(8 * MiB));
    writeMarker(raw, 0, 256 * 1024, `${prefix} boot sector and system files; `);
    qemuIo(raw, 'raw', 'write -P 0x11 1M 1M', 'write -P 0x12 7M 4k');
    require('node:child_process').execFileSync('qemu-img', ['create', '-q', '-f', 'vhdx', vhdx, String(64 * MiB)]);
    qemuIo(vhdx, 'vhdx', 'write -P 0x21 0 2M', 'write -P 0x22 40M 64k');
    return { raw, vhdx };
  }

  async function expectReplicasEqual(state: Awaited<ReturnType<typeof protectItem>>['state'], sources: [string, string][], key?: Buffer): Promise<void> {
    for (const [i, ref] of diskRefs(state).entries()) {
      const out = join(dir.path, `${ref.item}-${ref.disk}-replica-${Date.now()}.vhd`);
      const m = await cloud.materialize(ref, out, key);
      expect(m.verified).toBe(true); // the digest the agent put in the log matches what the replica stores
      const [src, fmt] = sources[i];
      const cmp = qemuCompare(src, fmt, out, 'vpc');
      expect({ disk: ref.disk, status: cmp.status, output: cmp.output.trim() }).toEqual({ disk: ref.disk, status: 0, output: 'Images are identical.' });
    }
  }

  it('seeds both replicas, ships only the changed blocks, and each replica equals its source at the sync point', async () => {
    await cloud.createVaultAndPolicy('v1', 'p30', false);
    const { raw, vhdx } = makeDisks('plain');
    const stateDir = join(dir.path, 'state-plain');
    const protectedItem = await protectItem(cloud.api, cloud.blobs, { vault: 'v1', item: 'vm1', diskPaths: [raw, vhdx], policy: 'p30', stateDir, merge });
    await expectReplicasEqual(protectedItem.state, [[raw, 'raw'], [vhdx, 'vhdx']]);
    // Only stored, non-zero data travelled: 256 KiB + 1 MiB + 4 KiB of the raw disk, 2 MiB + 64 KiB of the VHDX, plus framing.
    const payload = 256 * 1024 + MiB + 4096 + 2 * MiB + 64 * 1024;
    expect(protectedItem.bytesUploaded).toBeGreaterThanOrEqual(payload);
    expect(protectedItem.bytesUploaded).toBeLessThan(payload + 64 * 1024);

    const item = await cloud.api.get(`${cloud.api.vaultPath('v1')}/replicationProtectedItems`) as unknown as { value: { name: string; properties: any }[] };
    expect(item.value.map((i) => i.name)).toEqual(['vm1']);
    expect(item.value[0].properties.providerSpecificDetails.disks.map((d: { diskId: string }) => d.diskId)).toEqual(['disk0', 'disk1']);

    qemuIo(raw, 'raw', 'write -P 0x31 4M 64k', 'write -P 0x32 6M 4k');
    qemuIo(vhdx, 'vhdx', 'write -P 0x41 32M 128k');
    const atSync = [join(dir.path, 'plain-os-at-sync.raw'), join(dir.path, 'plain-data-at-sync.raw')];
    snapshotImage(raw, 'raw', atSync[0]);
    snapshotImage(vhdx, 'vhdx', atSync[1]);
    const sync = await syncItem(cloud.blobs, { vault: 'v1', item: 'vm1', stateDir, merge });
    expect(sync.disks.map((d) => [d.diskId, d.sequence, d.changedBlocks, d.records])).toEqual([['disk0', 2, 17, 2], ['disk1', 2, 32, 1]]);
    expect(new Set(sync.disks.map(() => sync.cutTimeMs)).size).toBe(1);

    // A change after the sync point must not be in the replica.
    qemuIo(raw, 'raw', 'write -P 0x51 5M 4k');
    await expectReplicasEqual(protectedItem.state, [[atSync[0], 'raw'], [atSync[1], 'raw']]);
    expect(qemuCompare(raw, 'raw', atSync[0], 'raw').status).toBe(1);

    // The next cycle ships exactly that block; a cycle with no writes ships empty logs and,
    // since the stamps the previous cycle recorded are old enough to trust (> 2 s after the
    // last write), reads nothing at all.
    const settled = () => [raw, vhdx].every((f) => { const st = statSync(f); return Date.now() - Math.max(st.mtimeMs, st.ctimeMs) > 2_100; });
    await waitFor('the disk files\' last write to be more than 2 s old (stamps taken now are not racy)', settled, 10_000);
    const next = await syncItem(cloud.blobs, { vault: 'v1', item: 'vm1', stateDir, merge });
    expect(next.disks.map((d) => d.changedBlocks)).toEqual([1, 0]);
    const idle = await syncItem(cloud.blobs, { vault: 'v1', item: 'vm1', stateDir, merge });
    expect(idle.disks.map((d) => [d.changedBlocks, d.skippedByStamp, d.bytesRead])).toEqual([[0, true, 0], [0, true, 0]]);
    await expectReplicasEqual(protectedItem.state, [[raw, 'raw'], [vhdx, 'vhdx']]);

    // A cycle that changed more than one log may carry ships several, all with the cut time.
    qemuIo(raw, 'raw', 'write -P 0x71 0 200k');
    const split = await syncItem(cloud.blobs, { vault: 'v1', item: 'vm1', stateDir, merge, maxLogPayloadBytes: 64 * 1024 });
    expect(split.disks.map((d) => [d.changedBlocks, d.sequence])).toEqual([[50, 8], [0, 5]]);
    await expectReplicasEqual(protectedItem.state, [[raw, 'raw'], [vhdx, 'vhdx']]);
  });

  it('replicates encrypted: no plaintext of the source in any blob, identical after decryption', async () => {
    await cloud.createVaultAndPolicy('v2', 'penc', true);
    const { raw, vhdx } = makeDisks('secret');
    const keyFile = join(dir.path, 'key.hex');
    const key = randomBytes(64);
    writeFileSync(keyFile, key.toString('hex') + '\n');
    const stateDir = join(dir.path, 'state-enc');

    await expect(protectItem(cloud.api, cloud.blobs, { vault: 'v2', item: 'vm2', diskPaths: [raw, vhdx], policy: 'penc', stateDir }))
      .rejects.toMatchObject({ code: 'EncryptionKeyRequired' });

    const { state } = await protectItem(cloud.api, cloud.blobs, { vault: 'v2', item: 'vm2', diskPaths: [raw, vhdx], policy: 'penc', stateDir, keyFile, merge });
    expect(state.keyFingerprint).toMatch(/^[0-9a-f]{64}$/);

    const marker = writeMarker(raw, 3 * MiB, 64 * 1024, 'customer ledger: account 4711 balance 1000000; ');
    qemuIo(vhdx, 'vhdx', 'write -P 0x5a 48M 64k');
    const atSync = [join(dir.path, 'secret-os-at-sync.raw'), join(dir.path, 'secret-data-at-sync.raw')];
    snapshotImage(raw, 'raw', atSync[0]);
    snapshotImage(vhdx, 'vhdx', atSync[1]);
    await syncItem(cloud.blobs, { vault: 'v2', item: 'vm2', stateDir, merge });

    // Every blob of this item, snapshots included: no 512-byte piece of any plaintext written.
    const probes = [marker.subarray(0, 512), readFileSync(raw).subarray(0, 512), Buffer.alloc(512, 0x5a), Buffer.alloc(512, 0x11)];
    let scanned = 0;
    for (const c of Object.values(REPLICA_CONTAINERS)) {
      for await (const b of cloud.blobs.getContainerClient(c).listBlobsFlat({ includeSnapshots: true, prefix: state.vaultSegment })) {
        const client = cloud.blobs.getContainerClient(c).getBlobClient(b.name);
        const bytes = await (b.snapshot ? client.withSnapshot(b.snapshot) : client).downloadToBuffer();
        for (const p of probes) expect({ blob: `${c}/${b.name}`, found: bytes.indexOf(p) >= 0 }).toEqual({ blob: `${c}/${b.name}`, found: false });
        scanned++;
      }
    }
    expect(scanned).toBeGreaterThanOrEqual(4);

    await expectReplicasEqual(state, [[atSync[0], 'raw'], [atSync[1], 'raw']], key);

    const wrong = join(dir.path, 'wrong.hex');
    writeFileSync(wrong, randomBytes(64).toString('hex'));
    await expect(syncItem(cloud.blobs, { vault: 'v2', item: 'vm2', stateDir, keyFile: wrong, merge })).rejects.toMatchObject({ code: 'WrongEncryptionKey' });
  });
  it('cuts no recovery point before the seed is complete: a seed of several logs gets its first point at the log that completes it', async () => {
    await cloud.createVaultAndPolicy('vs', 'p30', false);
    const disk = join(dir.path, 'seeded-os.raw');
    writeFileSync(disk, Buffer.alloc(8 * MiB));
    qemuIo(disk, 'raw', 'write -P 0x11 0 3M', 'write -P 0x12 6M 1M');
    // 1 MiB per seed log: four logs carry the 4 MiB of data, a fifth (empty) one closes the seed.
    const { state } = await protectItem(cloud.api, cloud.blobs, { vault: 'vs', item: 'seeded', diskPaths: [disk], policy: 'p30', stateDir: join(dir.path, 'state-seeded'), seedLogBytes: MiB, merge });
    const [ref] = diskRefs(state);
    const lastSeedLog = BigInt(state.disks[0].nextSequence - 1);
    expect(lastSeedLog).toBe(5n);
    // The point is cut right after the replica advances (which is what protect waits for).
    const points = await waitFor('a recovery point of the seeded disk', async () => {
      const listed = await cloud.deps.recorder.list(ref);
      return listed.length > 0 && listed;
    });
    expect(points.map((p) => p.sequence)).toEqual([lastSeedLog]);
  });
});
