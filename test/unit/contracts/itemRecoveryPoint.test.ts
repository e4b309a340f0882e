import { cutTimeOfItemRecoveryPoint, itemRecoveryPointName, itemRecoveryPoints } from '../../../shared/contracts/ItemRecoveryPoint';

const T0 = Date.UTC(2026, 11, 5, 4, 10, 0, 250);

describe('item recovery points: the disk points of one cut', () => {
  it('names a point by its cut time and reads the name back; other names are not item points', () => {
    expect(itemRecoveryPointName(T0)).toBe('20261205T041000250Z');
    expect(cutTimeOfItemRecoveryPoint('20261205T041000250Z')).toBe(T0);
    for (const other of ['os-1-3', '20261305T041000250Z', '20261205T041000250']) expect(cutTimeOfItemRecoveryPoint(other)).toBeUndefined();
  });

  it('lists only cuts every disk has, newest first, app consistent only when every disk is', () => {
    const p = (disk: string, t: number, type: 'AppConsistent' | 'CrashConsistent') => ({ disk, name: `${disk}-${t}`, cutTimeMs: t, type });
    const points = itemRecoveryPoints(['os', 'DATA'], [
      p('os', 1, 'AppConsistent'), p('data', 1, 'CrashConsistent'),
      p('os', 2, 'AppConsistent'), p('data', 2, 'AppConsistent'),
      p('os', 3, 'AppConsistent'),
    ]);
    expect(points.map((x) => [x.cutTimeMs, x.type, x.disks.map((d) => d.name)])).toEqual([
      [2, 'AppConsistent', ['os-2', 'data-2']], [1, 'CrashConsistent', ['os-1', 'data-1']],
    ]);
    expect(itemRecoveryPoints([], [p('os', 1, 'AppConsistent')])).toEqual([]);
  });
});
