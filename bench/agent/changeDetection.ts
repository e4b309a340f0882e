/**
 * Cost of the agent's change detection, as ratios to reading the image once, measured in the
 * same run (absolute rates on a shared 2-core machine swing up to 3x; ratios hold).
 *
 *   npx tsc -p tsconfig.json && node dist/bench/agent/changeDetection.js [sizeMiB=1024] [changedPercent=1]
 *
 * A raw image of random data, its block table as after a seed, then `changedPercent` of its
 * 4 KiB blocks overwritten at random. Measured, page cache warm, median of 3 rounds:
 * - read once: every byte through the same image reader, nothing else;
 * - detect: findChangedBlocks (read + CRC-32C + CRC-32 per block + compare), checked to find
 *   exactly the changed blocks;
 * - SHA-256 per block: the same scan hashing every block with the Merkle leaf hash instead;
 * - stamp gate: the check that lets an untouched disk skip the read altogether.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { closeSync, openSync, writeSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alignedExtents, DiskBlockTable, findChangedBlocks, readAhead, takeFileStamp, unchangedSince, writeBlockFingerprint } from '../../shared/agent';
import { openDiskImage } from '../../shared/disk';
import { median, timed } from '../benchTiming';

const sizeMiB = Number(process.argv[2] ?? 1024);
const changedPercent = Number(process.argv[3] ?? 1);
const BLOCK = 4096;
const MiB = 1024 * 1024;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-agent-'));
  const path = join(dir, 'disk.raw');
  try {
    const size = sizeMiB * MiB;
    const blocks = size / BLOCK;
    const fd = openSync(path, 'w');
    const chunk = randomBytes(64 * MiB);
    for (let at = 0; at < size; at += chunk.length) {
      chunk.writeUInt32LE(at / chunk.length, 0); // no two chunks alike
      writeSync(fd, chunk, 0, Math.min(chunk.length, size - at), at);
    }
    closeSync(fd);

    // The table as a seed leaves it: every block's fingerprint recorded.
    const table = DiskBlockTable.empty(size);
    let image = await openDiskImage(path);
    for await (const e of image.extents({ maxExtentBytes: 4 * MiB })) {
      for (let i = 0; i < e.data.length; i += BLOCK) writeBlockFingerprint(e.data.subarray(i, i + BLOCK), table.fingerprints, ((e.offset + i) / BLOCK) * 8);
    }
    await image.close();

    const changed = new Set<number>();
    const want = Math.round((blocks * changedPercent) / 100);
    while (changed.size < want) changed.add(randomInt(blocks));
    const wfd = openSync(path, 'r+');
    for (const b of changed) writeSync(wfd, randomBytes(BLOCK), 0, BLOCK, b * BLOCK);
    closeSync(wfd);

    image = await openDiskImage(path);
    const read: number[] = [];
    const detect: number[] = [];
    const sha: number[] = [];
    let found = 0;
    for (let round = 0; round < 3; round++) {
      read.push(await timed(async () => {
        for await (const e of image.extents({ maxExtentBytes: 4 * MiB })) void e;
      }));
      detect.push(await timed(async () => {
        found = (await findChangedBlocks(image, table)).blocks.length;
      }));
      sha.push(await timed(async () => {
        // Same read-ahead as detection, so the difference is the hash alone.
        for await (const e of readAhead(alignedExtents(image, 0, { maxExtentBytes: 4 * MiB }))) {
          for (let i = 0; i < e.data.length; i += BLOCK) createHash('sha256').update(e.data.subarray(i, i + BLOCK)).digest();
        }
      }));
    }
    await image.close();
    if (found !== changed.size) throw new Error(`detection found ${found} changed blocks, ${changed.size} were changed`);

    const stamp = await takeFileStamp(path);
    await new Promise((r) => setTimeout(r, 10));
    const gate = await timed(async () => unchangedSince(stamp, await takeFileStamp(path)));

    const mbps = (s: number) => (size / MiB / s).toFixed(0);
    const r = median(read);
    const d = median(detect);
    const h = median(sha);
    process.stdout.write([
      `image ${sizeMiB} MiB raw, ${changed.size} of ${blocks} blocks changed (${changedPercent}%), page cache warm, median of 3`,
      `read once:              ${mbps(r)} MB/s`,
      `change detection:       ${mbps(d)} MB/s  ratio to read once ${(r / d).toFixed(2)}  (found ${found})`,
      `SHA-256 per block:      ${mbps(h)} MB/s  ratio to read once ${(r / h).toFixed(2)}`,
      `stamp gate (untouched): ${(gate * 1e6).toFixed(0)} us for the whole disk`,
    ].join('\n') + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exitCode = 1;
});
