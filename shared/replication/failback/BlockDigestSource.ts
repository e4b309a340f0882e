import type { PageBlobClient } from '@azure/storage-blob';
import type { FailbackDigests } from '../../contracts/FailbackTransfers';
import type { FailbackDigester } from '../../integrity';

/** The blocks of a recovered disk that the source lacks. */
export interface DifferingBlocks {
  /** Block indexes (4 KiB each), ascending. */
  blocks: number[];
  /** The bytes of those blocks when the source already read them (else the caller reads them from the blob). */
  data?: Map<number, Buffer>;
  /** Merkle root of the recovered disk's failback digests (the HRL header's disk digest; the agent checks its disk against it). */
  diskDigest: Buffer;
}

/**
 * "Which blocks differ" between the disk in the target fabric and the source disk. Here: a
 * comparison of block digests of both sides (digestComparisonSource), which works on Azurite and
 * verifies whatever else is used. In Azure an implementation over incremental snapshots of the
 * managed disk and `Get Page Ranges Diff` (`prevsnapshot`) would answer the same question
 * reading only what changed since the last round; Azurite ignores `prevsnapshot`, so it is
 * not built here (docs/failback.md).
 */
export interface BlockDigestSource {
  differingBlocks(recovered: PageBlobClient, dataBytes: number, source: FailbackDigests, digester: FailbackDigester): Promise<DifferingBlocks>;
}
