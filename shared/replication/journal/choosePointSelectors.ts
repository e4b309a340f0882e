import type { DiskRef } from '../../contracts/DiskRef';
import { readReplica, replicaClient } from '../core/ReplicaBlob';
import type { ReplicationDeps } from '../core/ReplicationDeps';
import { ReplicationError } from '../core/ReplicationError';
import type { PointSelector } from './PointSelector';
import type { RecoveryPointChoice } from './RecoveryPointChoice';

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
 * (draining is the merge engine's, not the journal's); here it reads like `LatestProcessed`. Points are per
 * disk (`{disk}-{epoch}-{sequence}`): the disk a point names takes that log, the item's other
 * disks take their newest boundary at or before the point's time. A planned failover passes the
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
      const points = await deps.recorder.list(disks[0]);
      const wanted = choice.kind === 'LatestApplicationConsistent' ? points.filter((p) => p.type === 'AppConsistent') : points;
      const p = wanted[wanted.length - 1];
      if (!p) {
        throw new ReplicationError('NoRecoveryPoint', `${disks[0].item} has no ${choice.kind === 'LatestApplicationConsistent' ? 'application-consistent ' : ''}recovery point`, {
          possibleCauses: 'None was cut yet, or retention removed them.', recommendedAction: 'Choose Latest or LatestProcessed.',
        });
      }
      return byPoint(disks, p.disk.disk, p.epoch.toString(), p.sequence.toString(), p.cutTimeMs, `${p.type} point ${p.id}`);
    }
    case 'Point': {
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

function byPoint(disks: DiskRef[], diskId: string, epoch: string, sequence: string, cutTimeMs: number, what: string): ChosenPoints {
  const selectors: Record<string, PointSelector> = {};
  for (const d of disks) {
    selectors[d.disk] = d.disk === diskId ? { kind: 'sequence', sequence, epoch } : { kind: 'time', time: new Date(cutTimeMs).toISOString(), epoch };
  }
  return { selectors, description: `${what} (${new Date(cutTimeMs).toISOString()})` };
}
