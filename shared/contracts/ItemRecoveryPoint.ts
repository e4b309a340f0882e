/**
 * A protected item's recovery point, as ASR lists it: one per cut of the source VM, the same
 * instant on every disk. The merge engine records points per disk (`{disk}-{epoch}-{sequence}`);
 * the agent cuts every disk of a VM at the same moment, so the disk points of one cut share their
 * cut time, and an item point is the disk points of one cut time (docs/replication.md,
 * "Recovery points of an item"):
 *
 * - it exists only when **every** disk of the item has a point at that cut; a cut some disk
 *   lacks (its log not merged yet, retention removed it, the disk's seed still running) is not
 *   a point of the item, since no consistent state of the whole VM is known at that instant;
 * - it is application consistent only when every disk's point is (one crash-consistent disk
 *   makes the VM crash consistent), otherwise crash consistent;
 * - its name is the cut time, compact ISO 8601 (`20261205T041000000Z`), so it is stable and
 *   sorts by time, and a failover to it takes each disk's own point of that cut.
 */
export interface DiskPointOfCut {
  disk: string;
  /** The disk point's name, `{disk}-{epoch}-{sequence}`. */
  name: string;
  cutTimeMs: number;
  type: 'CrashConsistent' | 'AppConsistent';
}

export interface ItemRecoveryPoint {
  name: string;
  cutTimeMs: number;
  type: 'CrashConsistent' | 'AppConsistent';
  /** The disk points of the cut, in the item's disk order. */
  disks: DiskPointOfCut[];
}

const ITEM_POINT_NAME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z$/;

export function itemRecoveryPointName(cutTimeMs: number): string {
  return new Date(cutTimeMs).toISOString().replace(/[-:.]/g, '');
}

/** The cut time an item point's name stands for, or undefined for any other name (a disk point's). */
export function cutTimeOfItemRecoveryPoint(name: string): number | undefined {
  const m = ITEM_POINT_NAME.exec(name);
  if (!m) return undefined;
  const t = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], +m[7]);
  return itemRecoveryPointName(t) === name ? t : undefined;
}

/** The item points of the given disk points, newest first; cuts some disk of `diskIds` lacks are left out. */
export function itemRecoveryPoints(diskIds: string[], points: DiskPointOfCut[]): ItemRecoveryPoint[] {
  const byCut = new Map<number, DiskPointOfCut[]>();
  for (const p of points) byCut.set(p.cutTimeMs, [...(byCut.get(p.cutTimeMs) ?? []), p]);
  const out: ItemRecoveryPoint[] = [];
  for (const [cutTimeMs, cut] of byCut) {
    const disks = diskIds.map((id) => cut.find((p) => p.disk.toLowerCase() === id.toLowerCase()));
    if (diskIds.length === 0 || disks.some((d) => d === undefined)) continue;
    const complete = disks as DiskPointOfCut[];
    out.push({
      name: itemRecoveryPointName(cutTimeMs), cutTimeMs, disks: complete,
      type: complete.every((d) => d.type === 'AppConsistent') ? 'AppConsistent' : 'CrashConsistent',
    });
  }
  return out.sort((a, b) => b.cutTimeMs - a.cutTimeMs);
}

/** Which disks lack a point at the cut (for the error of a failover to an incomplete cut). */
export function disksMissingCut(diskIds: string[], points: DiskPointOfCut[], cutTimeMs: number): string[] {
  return diskIds.filter((id) => !points.some((p) => p.cutTimeMs === cutTimeMs && p.disk.toLowerCase() === id.toLowerCase()));
}
