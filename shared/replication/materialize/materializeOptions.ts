import type { PointSelector } from '../journal/PointSelector';
import { ReplicationError } from '../core/ReplicationError';
import type { MaterializeOptions } from './materializeToPoint';

/** PointSelector (JSON) -> the merge engine's options (bigints, Date). */
export function materializeOptions(point: PointSelector): MaterializeOptions {
  const epoch = 'epoch' in point && point.epoch !== undefined ? { epoch: BigInt(point.epoch) } : {};
  switch (point.kind) {
    case 'latestProcessed':
      return {};
    case 'sequence':
      return { ...epoch, sequence: BigInt(point.sequence) };
    case 'time': {
      const time = new Date(point.time);
      if (Number.isNaN(time.getTime())) throw new ReplicationError('InvalidReplicationRequest', `recovery time "${point.time}" is not an ISO 8601 time`);
      return { ...epoch, time };
    }
  }
}
