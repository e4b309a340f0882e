import type { PageBlobClient } from '@azure/storage-blob';

/** A written byte range of a page blob: [start, end). */
export interface ByteRange {
  start: number;
  end: number;
}

const WINDOW = 1024 ** 3;

/**
 * The written ranges of a page blob within [0, limit), asked window by window (1 GiB) to keep
 * each answer small. The SDK's `count` is `end - start` with `end` inclusive, so the length is
 * `count + 1`. Do not use `prevsnapshot` diffs: Azurite ignores them.
 */
export async function writtenRanges(blob: PageBlobClient, limit: number): Promise<ByteRange[]> {
  const out: ByteRange[] = [];
  for (let at = 0; at < limit; at += WINDOW) {
    const count = Math.min(WINDOW, limit - at);
    const r = await blob.getPageRanges(at, count);
    for (const p of r.pageRange ?? []) {
      const start = Math.max(p.offset, at);
      const end = Math.min(p.offset + (p.count ?? 0) + 1, at + count);
      if (end > start) out.push({ start, end });
    }
  }
  return out;
}
