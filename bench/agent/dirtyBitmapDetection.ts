/**
 * Change detection with qemu dirty bitmaps on a running guest, as a ratio to reading the disk
 * once (both through qemu's NBD export, in the same run).
 *
 *   npm run bench -- agent-bitmap [sizeMiB=512] [changedPercent=1]
 *
 * The test guest (docs/guest.md, scripts/build-guest.sh) booted under qemu TCG with a second,
 * data disk of `sizeMiB` of random data (a raw data file + a metadata qcow2 that holds the
 * persistent bitmaps, as devhost/guest/RunningGuest makes it). A first tracked cycle (full
 * scan) as after a seed, then per round `changedPercent` of the data disk's 4 KiB blocks
 * rewritten at random through the guest's disk device (HMP `qemu-io -d vd1/virtio-backend`:
 * the BlockBackend the guest's own writes go through, so the bitmaps see them as guest writes).
 * Measured, median of 3 rounds:
 * - read once: every byte of the disk through an NBD export of the running node;
 * - full scan: the fingerprint comparison of every block (what the agent does without a tracker);
 * - dirty bitmap: the agent's cycle — begin (QMP transaction, export, qemu-img map) + reading and
 *   comparing the dirty blocks + end (drop the bitmap).
 * Both detections must find every changed block; blocks beyond those are the guest's own writes
 * and are counted (the bitmap must also hold whatever the full scan found).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGuest } from '../../devhost/guest/buildGuest';
import { RunningGuest } from '../../devhost/guest/RunningGuest';
import { alignedExtents, detectChanges, DiskBlockTable, findChangedBlocks, NbdDiskImage, QemuDirtyBitmapTracker, QmpClient, readAhead, TrackedChanges, writeBlockFingerprint } from '../../shared/agent';
import { ServiceError } from '../../shared/errors';
import { median, timed } from '../benchTiming';

const sizeMiB = Number(process.argv[2] ?? 512);
const changedPercent = Number(process.argv[3] ?? 1);
/** Guest port 80's forward: a fixed port of this bench's own (nothing is served to it). */
const httpPort = Number(process.env.BENCH_GUEST_HTTP_PORT ?? 25080);
const BLOCK = 4096;
const MiB = 1024 * 1024;

/** Fills the data disk's raw file with random data (each 64 MiB chunk made distinct). */
function fillRandom(path: string, size: number): void {
  const fd = openSync(path, 'r+');
  try {
    const chunk = randomBytes(64 * MiB);
    for (let at = 0; at < size; at += chunk.length) {
      chunk.writeUInt32LE(at / chunk.length, 0);
      writeSync(fd, chunk, 0, Math.min(chunk.length, size - at), at);
    }
  } finally {
    closeSync(fd);
  }
}

const missing = (want: Set<number>, found: readonly number[]) => {
  const f = new Set(found);
  return [...want].filter((b) => !f.has(b));
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-bitmap-'));
  const guest = new RunningGuest(dir, (s) => QmpClient.connect(s));
  try {
    const size = sizeMiB * MiB;
    const blocks = size / BLOCK;
    guest.prepare(buildGuest().path);
    const disk = guest.addDataDisk(size);
    fillRandom(disk.raw, size);
    const bootSeconds = await timed(() => guest.boot({ httpPort }));
    const tracker = new QemuDirtyBitmapTracker({ kind: 'qemu-dirty-bitmap', qmpSocket: guest.qmpSocket, node: disk.node, verifyEveryHours: 0 });

    // The read once and the full scan go through an export of their own (no bitmap), on the
    // NBD server the tracker uses (one per qemu): the tracked cycle rotates its bitmap once per
    // round, as the agent's does.
    const nbdSocket = `${guest.qmpSocket}.asr-nbd`;
    await guest.qmp!.execute('nbd-server-start', { addr: { type: 'unix', data: { path: nbdSocket } } }).catch((err: unknown) => {
      if (!(err instanceof ServiceError && /already running/i.test(err.message))) throw err;
    });
    await guest.qmp!.execute('block-export-add', { type: 'nbd', id: 'bench', 'node-name': disk.node, name: 'bench', writable: false });
    const plain = () => NbdDiskImage.open(nbdSocket, 'bench');

    // The first tracked cycle: a full scan, every block's fingerprint recorded (as a seed leaves it).
    const table = DiskBlockTable.empty(size);
    const first = await tracker.begin();
    if (first.ranges) throw new Error('the first tracked cycle should be a full scan');
    for await (const e of readAhead(alignedExtents(first.image, 0, { maxExtentBytes: 4 * MiB }))) {
      for (let i = 0; i < e.data.length; i += BLOCK) writeBlockFingerprint(e.data.subarray(i, i + BLOCK), table.fingerprints, ((e.offset + i) / BLOCK) * 8);
    }
    await tracker.end(first, true);

    const read: number[] = [];
    const scan: number[] = [];
    const bitmap: number[] = [];
    const writeSeconds: number[] = [];
    const guestExtra: number[] = [];
    const bitmapParts: { begin: number; compare: number; end: number }[] = [];
    let found = 0;
    const want = Math.round((blocks * changedPercent) / 100);
    for (let round = 0; round < 3; round++) {
      const changed = new Set<number>();
      while (changed.size < want) changed.add(randomInt(blocks));
      writeSeconds.push(await timed(async () => {
        for (const b of changed) await guest.write(b * BLOCK, BLOCK, (round + 1) * 37, disk.device);
      }));

      let image = await plain();
      read.push(await timed(async () => {
        for await (const e of readAhead(alignedExtents(image, 0, { maxExtentBytes: 4 * MiB }))) void e;
      }));
      await image.close();

      image = await plain();
      let scanned: number[] = [];
      scan.push(await timed(async () => {
        scanned = (await findChangedBlocks(image, table)).blocks;
      }));
      await image.close();
      const scanMissed = missing(changed, scanned);
      if (scanMissed.length > 0) throw new Error(`the full scan missed ${scanMissed.length} of ${changed.size} changed blocks`);

      let detected: number[] = [];
      const parts = { begin: 0, compare: 0, end: 0 };
      bitmap.push(await timed(async () => {
        let changes!: TrackedChanges;
        parts.begin = await timed(async () => { changes = await tracker.begin(); });
        if (!changes.ranges) throw new Error(`the tracked cycle fell back to a full scan: ${changes.fullScanReason}`);
        parts.compare = await timed(async () => { detected = (await detectChanges(changes, table)).blocks; });
        parts.end = await timed(() => tracker.end(changes, true));
      }));
      bitmapParts.push(parts);
      const bitmapMissed = missing(new Set(scanned), detected);
      if (bitmapMissed.length > 0) throw new Error(`the dirty bitmap missed ${bitmapMissed.length} blocks the full scan found (${changed.size} written)`);
      found = detected.length;
      guestExtra.push(found - changed.size);

      // Ship them: record the new fingerprints, as the agent's log build does.
      image = await plain();
      for (const b of detected) writeBlockFingerprint(await image.read(b * BLOCK, BLOCK), table.fingerprints, b * 8);
      await image.close();
    }
    await guest.qmp!.execute('block-export-del', { id: 'bench', mode: 'hard' }).catch(() => undefined);

    const r = median(read);
    const s = median(scan);
    const b = median(bitmap);
    const mbps = (t: number) => (size / MiB / t).toFixed(0);
    const qemu = execFileSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }).split('\n')[0].replace('QEMU emulator version ', '');
    process.stdout.write([
      `running guest (docs/guest.md, qemu ${qemu} TCG, booted in ${bootSeconds.toFixed(1)} s), data disk ${sizeMiB} MiB (raw data file + qcow2 bitmaps), ${want} of ${blocks} blocks changed per round (${changedPercent}%) through the guest's disk device (${median(writeSeconds).toFixed(1)} s), median of 3`,
      `read once (NBD):        ${r.toFixed(3)} s  ${mbps(r)} MB/s`,
      `full scan (NBD):        ${s.toFixed(3)} s  ratio to read once ${(s / r).toFixed(3)}`,
      `dirty bitmap:           ${b.toFixed(3)} s  ratio to read once ${(b / r).toFixed(3)}  (found ${found}: every changed block, ${guestExtra.join('/')} more written by the guest)`,
      `rounds (s): read ${read.map((x) => x.toFixed(3)).join(' ')}; scan ${scan.map((x) => x.toFixed(3)).join(' ')}; bitmap ${bitmap.map((x) => x.toFixed(3)).join(' ')}`,
      `bitmap cycle (s, begin + compare + end): ${bitmapParts.map((p) => `${p.begin.toFixed(3)} + ${p.compare.toFixed(3)} + ${p.end.toFixed(3)}`).join('; ')}`,
    ].join('\n') + '\n');
  } finally {
    await guest.stop().catch(() => undefined);
    await guest.kill().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exitCode = 1;
});
