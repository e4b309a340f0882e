import type { DiskRef } from '../../contracts/DiskRef';
import { readReplica } from '../../contracts/readReplica';
import { replicaClient } from '../core/ReplicaBlob';
import type { ReplicationDeps } from '../core/ReplicationDeps';
import { ReplicationError } from '../core/ReplicationError';
import type { PointSelector } from './PointSelector';
import type { RecoveryPointChoice } from './RecoveryPointChoice';
import type { DiskRecoveryPoint } from '../core/DiskRecoveryPoint';
import {
  cutTimeOfItemRecoveryPoint, disksMissingCut, itemRecoveryPoints, type DiskPointOfCut, type ItemRecoveryPoint,
} from '../../contracts/ItemRecoveryPoint';

/** Per disk, the exact state to bring up, and a line for the job saying which. */
export interface ChosenPoints {
  selectors: Record<string, PointSelector>;
  description: string;
}

async function latestMerged(deps: ReplicationDeps, disk: DiskRef): Promise<PointSelector> {
  const replica = await readReplica(replicaClient(deps, disk));
  if (!replica?.state || replica.state.lastAppliedSequence === 0n) {
    throw new ReplicationError('ReplicaNotFound', `disk ${disk.disk} of ${disk.item} has no merged log yet`, {
      possibleCauses: 'Initial replication has not finished.', recommendedAction: 'Wait until the item is Protected, then retry.',
    });
  }
  if (!replica.state.seedComplete) {
    // The replica holds part of the disk: a seed (initial replication or resync) is still merging.
    throw new ReplicationError('NoRecoveryPoint', `disk ${disk.disk} of ${disk.item} is still seeding (epoch ${replica.state.epoch}, log ${replica.state.lastAppliedSequence} merged): its replica is not a whole disk yet`, {
      possibleCauses: 'Initial replication or a resync has not finished.',
      recommendedAction: 'Wait until the item is Protected, or choose a recovery point from before the resync.',
    });
  }
  return { kind: 'sequence', sequence: replica.state.lastAppliedSequence.toString(), epoch: replica.state.epoch.toString() };
}

/**
 * Resolves a recovery point choice to an exact sequence (or time) per disk, so that a retried
 * materialisation brings up the same state. For `Latest` the caller drains pending logs first
 * (draining is the merge engine's, not the journal's); here it reads like `LatestProcessed`. An
 * item point (its cut time, contracts/ItemRecoveryPoint) gives every disk its own log of that
 * cut; a disk point's name (`{disk}-{epoch}-{sequence}`) still works: that disk takes that log,
 * the item's other disks their newest boundary at or before its time. A planned failover passes the
 * final logs it waited for.
 */
export async function choosePointSelectors(deps: ReplicationDeps, disks: DiskRef[], choice: RecoveryPointChoice, finals?: Record<string, { epoch: string; sequence: string }>): Promise<ChosenPoints> {
  const selectors: Record<string, PointSelector> = {};
  if (finals) {
    for (const d of disks) {
      const f = finals[d.disk];
      if (!f) throw new ReplicationError('FinalLogMissing', `no final log was merged for disk ${d.disk} of ${d.item}`, { possibleCauses: 'The agent did not ship it.', recommendedAction: 'Run an unplanned failover instead.' });
      selectors[d.disk] = { kind: 'sequence', sequence: f.sequence, epoch: f.epoch };
    }
    return { selectors, description: 'the final logs shipped by the source (no data loss)' };
  }
  switch (choice.kind) {
    case 'Latest':
    case 'LatestProcessed': {
      for (const d of disks) selectors[d.disk] = await latestMerged(deps, d);
      const seqs = disks.map((d) => `${d.disk}@${(selectors[d.disk] as { sequence: string }).sequence}`).join(', ');
      return { selectors, description: `${choice.kind === 'Latest' ? 'latest (pending logs drained)' : 'latest processed'}: ${seqs}` };
    }
    case 'LatestApplicationConsistent':
    case 'LatestCrashConsistent': {
      // The newest cut every disk has (application-consistent only if it is on every disk): the whole VM at one instant.
      const points = await itemPointsOf(deps, disks);
      const appConsistent = choice.kind === 'LatestApplicationConsistent';
      const p = points.items.find((x) => !appConsistent || x.type === 'AppConsistent');
      if (!p) {
        throw new ReplicationError('NoRecoveryPoint', `${disks[0]?.item} has no ${appConsistent ? 'application-consistent ' : ''}recovery point that all its disks share`, {
          possibleCauses: 'None was cut yet, retention removed them, or a disk\'s log of each cut was never merged.', recommendedAction: 'Choose Latest or LatestProcessed.',
        });
      }
      return byItemPoint(disks, points.byName, p);
    }
    case 'Point': {
      const cut = cutTimeOfItemRecoveryPoint(choice.pointId);
      if (cut !== undefined) {
        const points = await itemPointsOf(deps, disks);
        const p = points.items.find((x) => x.name === choice.pointId);
        if (p) return byItemPoint(disks, points.byName, p);
        const missing = disksMissingCut(disks.map((d) => d.disk), [...points.byName.values()].map(asCut), cut);
        throw new ReplicationError('NoRecoveryPoint', `recovery point '${choice.pointId}' is not a point of ${disks[0]?.item}${missing.length < disks.length ? `: disk ${missing.join(', ')} has no point at that cut` : ''}`, {
          possibleCauses: 'Retention removed it, or a disk\'s log of that cut was never merged.', recommendedAction: 'List the item\'s recovery points and choose one of them.',
        });
      }
      // A disk point's name (`{disk}-{epoch}-{sequence}`), as jobs before item points named them.
      for (const d of disks) {
        const p = (await deps.recorder.list(d)).find((x) => x.id === choice.pointId);
        if (p) return byPoint(disks, d.disk, p.epoch.toString(), p.sequence.toString(), p.cutTimeMs, `point ${p.id}`);
      }
      throw new ReplicationError('NoRecoveryPoint', `recovery point '${choice.pointId}' is not a point of ${disks[0]?.item}`, {
        possibleCauses: 'Retention removed it, or it belongs to another item.', recommendedAction: 'List the item\'s recovery points and choose one of them.',
      });
    }
    case 'Time':
      for (const d of disks) selectors[d.disk] = { kind: 'time', time: choice.time };
      return { selectors, description: `the disks as they were at ${choice.time}` };
  }
}

const asCut = (p: DiskRecoveryPoint): DiskPointOfCut => ({ disk: p.disk.disk, name: p.id, cutTimeMs: p.cutTimeMs, type: p.type });

/** The item's points (contracts/ItemRecoveryPoint) from its disks' points, with those by name. */
async function itemPointsOf(deps: ReplicationDeps, disks: DiskRef[]): Promise<{ items: ItemRecoveryPoint[]; byName: Map<string, DiskRecoveryPoint> }> {
  const byName = new Map<string, DiskRecoveryPoint>();
  for (const d of disks) for (const p of await deps.recorder.list(d)) byName.set(p.id, p);
  return { items: itemRecoveryPoints(disks.map((d) => d.disk), [...byName.values()].map(asCut)), byName };
}

/** Each disk takes its own log of the cut: the whole VM as of that one instant. */
function byItemPoint(disks: DiskRef[], byName: Map<string, DiskRecoveryPoint>, p: ItemRecoveryPoint): ChosenPoints {
  const selectors: Record<string, PointSelector> = {};
  for (const d of disks) {
    const own = byName.get(p.disks.find((x) => x.disk === d.disk)!.name)!;
    selectors[d.disk] = { kind: 'sequence', sequence: own.sequence.toString(), epoch: own.epoch.toString() };
  }
  return { selectors, description: `${p.type} point ${p.name} (${new Date(p.cutTimeMs).toISOString()})` };
}

function byPoint(disks: DiskRef[], diskId: string, epoch: string, sequence: string, cutTimeMs: number, what: string): ChosenPoints {
  const selectors: Record<string, PointSelector> = {};
  for (const d of disks) {
    selectors[d.disk] = d.disk === diskId ? { kind: 'sequence', sequence, epoch } : { kind: 'time', time: new Date(cutTimeMs).toISOString(), epoch };
  }
  return { selectors, description: `${what} (${new Date(cutTimeMs).toISOString()})` };
}
