import type { TrackedChanges } from './ChangeTracker';
import type { DiskBlockTable } from './DiskBlockTable';
import { ChangedBlocks, findChangedBlocks, findChangedBlocksIn } from './findChangedBlocks';

/** What a tracked cycle found: the changed blocks and, after a verifying scan, those the tracker had not reported. */
export interface DetectedChanges extends ChangedBlocks {
  /** True when every block was compared (no ranges, or a verifying scan). */
  fullScan: boolean;
  /** Verifying scan only: changed blocks outside the tracker's ranges (should be 0; each one is shipped anyway). */
  missedBlocks?: number[];
}

/**
 * The blocks of a tracked disk that changed: only those inside the tracker's ranges, or all
 * of them (fingerprints of every block) when it does not know or asks for verification.
 */
export async function detectChanges(changes: TrackedChanges, table: DiskBlockTable, onScanned?: (offset: number) => void): Promise<DetectedChanges> {
  if (!changes.ranges) return { ...(await findChangedBlocks(changes.image, table, onScanned)), fullScan: true };
  if (!changes.verify) return { ...(await findChangedBlocksIn(changes.image, table, changes.ranges)), fullScan: false };
  const all = await findChangedBlocks(changes.image, table, onScanned);
  const covered = (b: number) => changes.ranges!.some((r) => b * 4096 < r.offset + r.length && (b + 1) * 4096 > r.offset);
  return { ...all, fullScan: true, missedBlocks: all.blocks.filter((b) => !covered(b)) };
}
