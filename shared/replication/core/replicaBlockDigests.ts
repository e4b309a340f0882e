import { createHash } from 'node:crypto';
import type { PageBlobClient } from '@azure/storage-blob';
import { REPAIR_DIGEST_BLOCK_BYTES as BLOCK, REPAIR_DIGEST_BYTES as HASH } from '../../contracts/replicationRepair';
import { writtenRanges } from './writtenRanges';

/** Bytes one read asks for: large enough to amortise a request, small enough to keep 4 in flight cheaply. */
const READ_BYTES = 4 * 1024 * 1024;
const READS_IN_FLIGHT = 4;

/** SHA-256 of a block of zeros: every block the page blob never stored (no page range) reads as zeros. */
const ZERO_DIGEST = createHash('sha256').update(Buffer.alloc(BLOCK)).digest();

/**
 * The SHA-256 of every 4 KiB block of a replica page blob up to `sourceVirtualSize` (32 bytes per
 * block, in block order): what a repair compares with the agent's Merkle leaves. Only the blob's
 * valid page ranges are read (a sparse replica costs what it stores); everything else is the
 * zero-block digest. Reads run 4 at a time in 4 MiB pieces. The caller makes sure nothing writes
 * the replica meanwhile (a repair reads it right after moving it to a new epoch, before the
 * agent can ship a log of that epoch).
 */
export async function replicaBlockDigests(blob: PageBlobClient, sourceVirtualSize: number): Promise<Buffer> {
  const blocks = Math.ceil(sourceVirtualSize / BLOCK);
  const end = blocks * BLOCK;
  const out = Buffer.alloc(blocks * HASH);
  for (let b = 0; b < blocks; b++) ZERO_DIGEST.copy(out, b * HASH);
  // Stored ranges, widened to whole blocks and cut into reads.
  const reads: { offset: number; length: number }[] = [];
  for (const r of (await writtenRanges(blob, end)).sort((a, b) => a.start - b.start)) {
    let at = Math.floor(r.start / BLOCK) * BLOCK;
    const stop = Math.min(end, Math.ceil(r.end / BLOCK) * BLOCK);
    const last = reads[reads.length - 1];
    if (last && last.offset + last.length > at) at = last.offset + last.length;
    for (; at < stop; at += READ_BYTES) reads.push({ offset: at, length: Math.min(READ_BYTES, stop - at) });
  }
  let next = 0;
  const worker = async () => {
    while (next < reads.length) {
      const r = reads[next++];
      const data = await blob.downloadToBuffer(r.offset, r.length);
      for (let i = 0; i < data.length; i += BLOCK) {
        createHash('sha256').update(data.subarray(i, i + BLOCK)).digest().copy(out, ((r.offset + i) / BLOCK) * HASH);
      }
    }
  };
  await Promise.all(Array.from({ length: READS_IN_FLIGHT }, worker));
  return out;
}
