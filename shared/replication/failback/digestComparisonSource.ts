import type { PageBlobClient } from '@azure/storage-blob';
import { FAILBACK_BLOCK_BYTES as BLOCK, FAILBACK_DIGEST_BYTES as HASH, failbackBlockCount, type FailbackDigests } from '../../contracts/FailbackTransfers';
import { type FailbackDigester, MerkleTree } from '../../integrity';
import { writtenRanges } from '../core/writtenRanges';
import type { BlockDigestSource, DifferingBlocks } from './BlockDigestSource';

/** Bytes one read asks for, and how many run at once (as replicaBlockDigests). */
const READ_BYTES = 4 * 1024 * 1024;
const READS_IN_FLIGHT = 4;

/**
 * The recovered disk's failback digests, read from the page blob's stored ranges only (a
 * sparse disk costs what it stores; the rest is the zero block's digest), compared block by
 * block with the source's. A changed block's bytes are kept from the same read, so the delta
 * costs one pass over the blob. An absent source disk (CreateVmIfNotFound) compares as zeros:
 * the agent starts the new file as a sparse file of zeros.
 */
export function digestComparisonSource(): BlockDigestSource {
  return { differingBlocks };
}

async function differingBlocks(recovered: PageBlobClient, dataBytes: number, source: FailbackDigests, digester: FailbackDigester): Promise<DifferingBlocks> {
  const blocks = failbackBlockCount(dataBytes);
  const end = blocks * BLOCK;
  const ours = Buffer.alloc(blocks * HASH);
  for (let b = 0; b < blocks; b++) digester.zero(b).copy(ours, b * HASH);
  const theirs = (b: number) => (source.absent ? digester.zero(b) : source.digests.subarray(b * HASH, (b + 1) * HASH));
  const reads: { offset: number; length: number }[] = [];
  for (const r of (await writtenRanges(recovered, end)).sort((a, b) => a.start - b.start)) {
    let at = Math.floor(r.start / BLOCK) * BLOCK;
    const stop = Math.min(end, Math.ceil(r.end / BLOCK) * BLOCK);
    const last = reads[reads.length - 1];
    if (last && last.offset + last.length > at) at = last.offset + last.length;
    for (; at < stop; at += READ_BYTES) reads.push({ offset: at, length: Math.min(READ_BYTES, stop - at) });
  }
  const data = new Map<number, Buffer>();
  let next = 0;
  const worker = async () => {
    while (next < reads.length) {
      const r = reads[next++];
      const buf = await recovered.downloadToBuffer(r.offset, r.length);
      // Bytes past the source disk's end (inside the VHD's whole MiB) are not part of the disk.
      if (r.offset + buf.length > dataBytes) buf.fill(0, Math.max(0, dataBytes - r.offset));
      digester.digestRun(r.offset / BLOCK, buf, ours);
      for (let i = 0; i < buf.length; i += BLOCK) {
        const b = (r.offset + i) / BLOCK;
        if (!ours.subarray(b * HASH, (b + 1) * HASH).equals(theirs(b))) data.set(b, Buffer.from(buf.subarray(i, i + BLOCK)));
      }
    }
  };
  await Promise.all(Array.from({ length: READS_IN_FLIGHT }, worker));
  // Blocks never stored read as zeros: they differ only where the source holds data there.
  const differing: number[] = [];
  for (let b = 0; b < blocks; b++) {
    if (data.has(b) || !ours.subarray(b * HASH, (b + 1) * HASH).equals(theirs(b))) differing.push(b);
  }
  return { blocks: differing, data, diskDigest: MerkleTree.fromLeafHashBuffer(ours).root() };
}
