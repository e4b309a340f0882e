import type { DiskImage } from '../disk';

/** A byte range of the virtual disk. */
export interface DiskRange {
  offset: number;
  length: number;
}

/**
 * What a tracker says at the start of a cycle: the image to read the disk through and which
 * ranges may have changed since the last acknowledged cycle. `ranges` undefined means "do not
 * know": the agent compares every block (the full scan). `verify` asks for a full scan although
 * ranges are known, to check that the tracker missed nothing (blocks found changed outside
 * `ranges` are reported as missed, and shipped like any other).
 */
export interface TrackedChanges {
  image: DiskImage;
  ranges?: DiskRange[];
  /** Why the ranges are unknown (first cycle, qemu restarted, bitmap inconsistent…). */
  fullScanReason?: string;
  verify?: boolean;
}

/**
 * The agent's change-tracking seam (docs/agent.md, "Change tracking"): per disk, which blocks
 * changed since the last cycle the service acknowledged. Each cycle calls `begin`, reads and
 * ships what changed, then `end` — with `acknowledged` true only once the log built from those
 * changes is committed to the agent's state (from then on the outbox and repair carry it).
 * A tracker must never lose a change: a cycle that ends unacknowledged (or never ends: a crash)
 * leaves its changes to be reported again by the next `begin`, and whenever it cannot vouch
 * for its record it answers with no ranges, i.e. the full scan.
 */
export interface ChangeTracker {
  readonly kind: string;
  begin(): Promise<TrackedChanges>;
  end(changes: TrackedChanges, acknowledged: boolean): Promise<void>;
}
