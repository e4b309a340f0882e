import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { detectChanges, DiskBlockTable, FINGERPRINT_SIZE, QemuDirtyBitmapTracker, writeBlockFingerprint } from '../../../shared/agent';
import { ServiceError } from '../../../shared/errors';
import { QemuHarness } from '../../support/qemuHarness';
import { tempDir } from '../../support/tempDir';

const K = 4096;
const MiB = 1024 * 1024;
const SIZE = 16 * MiB;

/**
 * One agent cycle for one disk, as ReplicationAgent does it, with a raw file as the replica:
 * begin, find the changed blocks, "ship" them (write them into the replica and record their
 * fingerprints), end acknowledged. Returns what the cycle saw.
 */
async function cycle(tracker: QemuDirtyBitmapTracker, table: DiskBlockTable, replica: string) {
  const changes = await tracker.begin();
  const found = await detectChanges(changes, table);
  const fd = openSync(replica, 'r+');
  const fp = Buffer.alloc(FINGERPRINT_SIZE);
  for (const b of found.blocks) {
    const data = await changes.image.read(b * K, K);
    writeSync(fd, data, 0, K, b * K);
    writeBlockFingerprint(data, fp, 0);
    table.record(b, fp, 0, Buffer.alloc(32));
  }
  closeSync(fd);
  await tracker.end(changes, true);
  return { ...found, reason: changes.fullScanReason };
}

/** qemu-img compare of the source (through a flush, read shared while qemu holds it) with the replica. */
async function sameAsSource(h: QemuHarness, replica: string): Promise<string> {
  await h.qmp!.hmp(`qemu-io ${h.node} "flush"`);
  const r = spawnSync('qemu-img', ['compare', '-U', '-f', 'qcow2', '-F', 'raw', h.image, replica], { encoding: 'utf8' });
  return `${r.status}: ${r.stdout.trim()}`;
}

describe('change tracking with qemu dirty bitmaps (real qemu, no guest)', () => {
  const dir = tempDir('agent-qemu-');
  let h: QemuHarness;
  let replica: string;
  let table: DiskBlockTable;
  let tracker: QemuDirtyBitmapTracker;
  let now = Date.now();

  beforeAll(async () => {
    const image = join(dir.path, 'src.qcow2');
    QemuHarness.createImage(image, String(SIZE));
    replica = join(dir.path, 'replica.raw');
    execFileSync('qemu-img', ['create', '-q', '-f', 'raw', replica, String(SIZE)]);
    table = DiskBlockTable.empty(SIZE);
    h = new QemuHarness(dir.path, image);
    await h.start();
    tracker = new QemuDirtyBitmapTracker({ kind: 'qemu-dirty-bitmap', qmpSocket: h.qmpSocket, node: 'disk0', verifyEveryHours: 24 }, () => now);
  });
  afterAll(async () => {
    await h?.stop();
    dir.cleanup();
  });

  test('the first cycle scans everything, later cycles read only the dirty blocks, and the replica equals the source', async () => {
    await h.write(0, 64 * 1024, 0x11);
    const first = await cycle(tracker, table, replica);
    expect(first.reason).toBe('no dirty bitmaps of the agent in qemu: the first tracked cycle, or qemu restarted without saving them (killed)');
    expect(first.fullScan).toBe(true);
    expect(first.blocks).toHaveLength(16);
    expect(await sameAsSource(h, replica)).toBe('0: Images are identical.');

    await h.write(5 * MiB, K, 0x22);
    await h.write(9 * MiB + 3 * K, 2 * K, 0x33);
    const second = await cycle(tracker, table, replica);
    expect(second.fullScan).toBe(false);
    expect(second.blocks).toEqual([(5 * MiB) / K, (9 * MiB) / K + 3, (9 * MiB) / K + 4]);
    expect(second.bytesRead).toBe(3 * K); // the dirty blocks only, not the 16 MiB disk
    expect(await sameAsSource(h, replica)).toBe('0: Images are identical.');

    const idle = await cycle(tracker, table, replica);
    expect(idle).toMatchObject({ blocks: [], bytesRead: 0, fullScan: false });
  });

  test('an agent crash between the rotation and the acknowledgement loses nothing: the next cycle reports those changes again', async () => {
    await h.write(2 * MiB, K, 0x44);
    const crashed = await tracker.begin(); // rotated: the write is in a disabled bitmap now
    await crashed.image.close(); // the process dies: no end(), nothing shipped
    await h.write(3 * MiB, K, 0x55);
    const restarted = new QemuDirtyBitmapTracker(tracker.config, () => now);
    const next = await cycle(restarted, table, replica);
    expect(next.fullScan).toBe(false);
    expect(next.blocks).toEqual([(2 * MiB) / K, (3 * MiB) / K]);
    expect(await sameAsSource(h, replica)).toBe('0: Images are identical.');
  });

  test('an unacknowledged cycle (the log never committed) keeps its bitmap for the next one', async () => {
    await h.write(4 * MiB, K, 0x66);
    const failed = await tracker.begin();
    await tracker.end(failed, false);
    const next = await cycle(tracker, table, replica);
    expect(next.blocks).toEqual([(4 * MiB) / K]);
    expect(await sameAsSource(h, replica)).toBe('0: Images are identical.');
  });

  test('a qemu restart between cycles falls back to a full scan, and a write made while qemu was down is shipped', async () => {
    await h.write(6 * MiB, K, 0x77);
    await h.stop();
    execFileSync('qemu-io', ['-f', 'qcow2', '-c', `write -P 0x78 ${7 * MiB} ${K}`, h.image]); // unseen by any bitmap
    await h.start();
    const next = await cycle(tracker, table, replica);
    expect(next.reason).toBe('qemu restarted since the last cycle');
    expect(next.fullScan).toBe(true);
    expect(next.blocks).toEqual([(6 * MiB) / K, (7 * MiB) / K]);
    expect(await sameAsSource(h, replica)).toBe('0: Images are identical.');
    const after = await cycle(tracker, table, replica);
    expect(after).toMatchObject({ fullScan: false, blocks: [] });
  });

  test('the scheduled verifying scan finds a change the bitmap missed, ships it and names it', async () => {
    await h.write(8 * MiB, K, 0x79);
    const nodes = await h.qmp!.execute<{ 'node-name': string; 'dirty-bitmaps'?: { name: string; recording: boolean }[] }[]>('query-named-block-nodes', { flat: true });
    const recording = nodes.find((n) => n['node-name'] === 'disk0')!['dirty-bitmaps']!.find((b) => b.recording)!;
    await h.qmp!.execute('block-dirty-bitmap-clear', { node: 'disk0', name: recording.name }); // the record is lost
    await h.write(10 * MiB, K, 0x7a);
    now += 25 * 3_600_000; // past verifyEveryHours
    const verified = await cycle(tracker, table, replica);
    expect(verified.fullScan).toBe(true);
    expect(verified.blocks).toEqual([(8 * MiB) / K, (10 * MiB) / K]);
    expect(verified.missedBlocks).toEqual([(8 * MiB) / K]);
    expect(await sameAsSource(h, replica)).toBe('0: Images are identical.');
    await h.write(11 * MiB, K, 0x7b);
    const next = await cycle(tracker, table, replica); // verified just now: back to the bitmap
    expect(next).toMatchObject({ fullScan: false, blocks: [(11 * MiB) / K] });
  });

  test('a node qemu does not have, or a bad setting, is refused with a message naming it', async () => {
    await expect(new QemuDirtyBitmapTracker({ kind: 'qemu-dirty-bitmap', qmpSocket: h.qmpSocket, node: 'nosuch' }).begin())
      .rejects.toMatchObject({ code: 'QemuDiskNotFound', message: expect.stringContaining("no block node 'nosuch'") });
    await expect(new QemuDirtyBitmapTracker({ kind: 'qemu-dirty-bitmap', qmpSocket: h.qmpSocket, node: 'disk0-file' }).begin())
      .rejects.toMatchObject({ code: 'InvalidChangeTracking', message: expect.stringContaining('is file') });
    expect(() => new QemuDirtyBitmapTracker({ kind: 'qemu-dirty-bitmap', qmpSocket: 'relative.sock', node: 'disk0' })).toThrow(ServiceError);
    expect(() => new QemuDirtyBitmapTracker({ kind: 'qemu-dirty-bitmap', qmpSocket: h.qmpSocket, node: 'disk0', granularity: 3000 })).toThrow(/granularity/);
  });
});
