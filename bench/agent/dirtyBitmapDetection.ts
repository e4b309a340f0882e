/**
 * Change detection with qemu dirty bitmaps on a running qemu, as a ratio to reading the disk
 * once (both through qemu's NBD export, in the same run).
 *
 *   npx tsc -p tsconfig.json && node dist/bench/agent/dirtyBitmapDetection.js [sizeMiB=512] [changedPercent=1]
 *
 * A qcow2 of random data under `qemu-system-x86_64 -machine none` (no guest, TCG), a first
 * tracked cycle (full scan) as after a seed, then per round `changedPercent` of the 4 KiB blocks
 * rewritten at random through qemu's block layer (HMP qemu-io, which dirties bitmaps like a
 * guest write). Measured, median of 3 rounds:
 * - read once: every byte of the disk through the NBD export;
 * - full scan: the fingerprint comparison of every block (what the agent does without a tracker);
 * - dirty bitmap: begin (QMP transaction, export, qemu-img map) + reading and comparing the dirty
 *   blocks + end (drop the bitmap), checked to find exactly the changed blocks.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectChanges, DiskBlockTable, findChangedBlocks, QemuDirtyBitmapTracker, QmpClient, readAhead, alignedExtents, writeBlockFingerprint } from '../../shared/agent';
import { median, timed } from '../benchTiming';

const sizeMiB = Number(process.argv[2] ?? 512);
const changedPercent = Number(process.argv[3] ?? 1);
const BLOCK = 4096;
const MiB = 1024 * 1024;

async function startQemu(dir: string, image: string): Promise<{ proc: ChildProcess; test: QmpClient; agentSocket: string }> {
  const testSocket = join(dir, 'test.sock');
  const agentSocket = join(dir, 'qmp.sock');
  const proc = spawn('qemu-system-x86_64', [
    '-machine', 'none', '-nodefaults', '-nographic', '-display', 'none', '-monitor', 'none', '-serial', 'none',
    '-blockdev', `driver=file,filename=${image},node-name=disk0-file`, '-blockdev', 'driver=qcow2,file=disk0-file,node-name=disk0',
    '-qmp', `unix:${testSocket},server=on,wait=off`, '-qmp', `unix:${agentSocket},server=on,wait=off`,
  ], { stdio: 'ignore' });
  for (let i = 0; i < 1000; i++) {
    if (existsSync(testSocket) && existsSync(agentSocket)) {
      try {
        return { proc, test: await QmpClient.connect(testSocket), agentSocket };
      } catch { /* not yet listening */ }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('qemu did not start');
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-bitmap-'));
  let proc: ChildProcess | undefined;
  try {
    const size = sizeMiB * MiB;
    const blocks = size / BLOCK;
    const raw = join(dir, 'disk.raw');
    const fd = openSync(raw, 'w');
    const chunk = randomBytes(64 * MiB);
    for (let at = 0; at < size; at += chunk.length) {
      chunk.writeUInt32LE(at / chunk.length, 0);
      writeSync(fd, chunk, 0, Math.min(chunk.length, size - at), at);
    }
    closeSync(fd);
    const image = join(dir, 'disk.qcow2');
    execFileSync('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qcow2', raw, image]);
    rmSync(raw);
    const q = await startQemu(dir, image);
    proc = q.proc;
    const tracker = new QemuDirtyBitmapTracker({ kind: 'qemu-dirty-bitmap', qmpSocket: q.agentSocket, node: 'disk0', verifyEveryHours: 0 });

    // The first tracked cycle: a full scan, every block's fingerprint recorded (as a seed leaves it).
    const table = DiskBlockTable.empty(size);
    const first = await tracker.begin();
    for await (const e of readAhead(alignedExtents(first.image, 0, { maxExtentBytes: 4 * MiB }))) {
      for (let i = 0; i < e.data.length; i += BLOCK) writeBlockFingerprint(e.data.subarray(i, i + BLOCK), table.fingerprints, ((e.offset + i) / BLOCK) * 8);
    }
    await tracker.end(first, true);

    const read: number[] = [];
    const scan: number[] = [];
    const bitmap: number[] = [];
    let found = 0;
    let want = 0;
    for (let round = 0; round < 3; round++) {
      const changed = new Set<number>();
      want = Math.round((blocks * changedPercent) / 100);
      while (changed.size < want) changed.add(randomInt(blocks));
      for (const b of changed) await q.test.hmp(`qemu-io disk0 "write -P ${(round + 1) * 37} ${b * BLOCK} ${BLOCK}"`);
      let changes = await tracker.begin();
      // The detection proper (the tracker's begin is timed again below, from the start).
      await tracker.end(changes, false);
      read.push(await timed(async () => {
        changes = await tracker.begin();
        for await (const e of readAhead(alignedExtents(changes.image, 0, { maxExtentBytes: 4 * MiB }))) void e;
        await tracker.end(changes, false);
      }));
      scan.push(await timed(async () => {
        changes = await tracker.begin();
        const all = await findChangedBlocks(changes.image, table);
        if (all.blocks.length !== changed.size) throw new Error(`the full scan found ${all.blocks.length} of ${changed.size}`);
        await tracker.end(changes, false);
      }));
      bitmap.push(await timed(async () => {
        changes = await tracker.begin();
        const d = await detectChanges(changes, table);
        found = d.blocks.length;
        await tracker.end(changes, true);
      }));
      if (found !== changed.size) throw new Error(`the dirty bitmap found ${found} changed blocks, ${changed.size} were changed`);
      // Ship them: record the new fingerprints, as the agent's log build does.
      const again = await tracker.begin();
      for (const b of changed) writeBlockFingerprint(await again.image.read(b * BLOCK, BLOCK), table.fingerprints, b * 8);
      await tracker.end(again, true);
    }
    await q.test.execute('quit').catch(() => undefined);
    q.test.close();

    const r = median(read);
    const s = median(scan);
    const b = median(bitmap);
    const mbps = (t: number) => (size / MiB / t).toFixed(0);
    process.stdout.write([
      `qcow2 ${sizeMiB} MiB under qemu ${execFileSync('qemu-img', ['--version'], { encoding: 'utf8' }).split('\n')[0].replace('qemu-img version ', '')}, ${want} of ${blocks} blocks changed per round (${changedPercent}%), median of 3`,
      `read once (NBD):        ${r.toFixed(3)} s  ${mbps(r)} MB/s`,
      `full scan (NBD):        ${s.toFixed(3)} s  ratio to read once ${(s / r).toFixed(3)}`,
      `dirty bitmap:           ${b.toFixed(3)} s  ratio to read once ${(b / r).toFixed(3)}  (found ${found})`,
    ].join('\n') + '\n');
  } finally {
    proc?.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exitCode = 1;
});
