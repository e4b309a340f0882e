import type { ProtectedItemProperties, ResourceDocument } from '../../../shared/metadata';
import { ReplicationRepairs } from '../../../shared/recovery/service/ReplicationRepairs';

// The replicas' side of a repair's progress, as the merge reports it in blob metadata.
jest.mock('../../../shared/replication', () => ({
  ...jest.requireActual('../../../shared/replication'),
  repairProgress: jest.fn(async () => 'Succeeded'),
}));

function item(disks: { diskId: string; replicationEpoch: number; isInitialReplicationComplete: boolean }[]): ResourceDocument<ProtectedItemProperties> {
  return {
    name: 'repair1',
    properties: { protectionState: 'Protected', providerSpecificDetails: { disks: [{ diskId: 'disk0' }, { diskId: 'disk1' }], protectedDisks: disks } },
  } as unknown as ResourceDocument<ProtectedItemProperties>;
}

/** A repair poll ends only when the item it answers with shows the repair done (the merge writes the item after the replicas). */
describe('ReplicationRepairs.progress', () => {
  const repairs = new ReplicationRepairs({} as never);

  it('replicas seeded at the epoch but the item record still resynchronizing: InProgress', async () => {
    const lagging = item([{ diskId: 'disk0', replicationEpoch: 2, isInitialReplicationComplete: true }, { diskId: 'disk1', replicationEpoch: 2, isInitialReplicationComplete: false }]);
    await expect(repairs.progress('v', lagging, 2)).resolves.toBe('InProgress');
    const stale = item([{ diskId: 'disk0', replicationEpoch: 1, isInitialReplicationComplete: true }, { diskId: 'disk1', replicationEpoch: 2, isInitialReplicationComplete: true }]);
    await expect(repairs.progress('v', stale, 2)).resolves.toBe('InProgress');
  });

  it('every disk recorded complete at the epoch (or past it): Succeeded', async () => {
    const shown = item([{ diskId: 'disk0', replicationEpoch: 2, isInitialReplicationComplete: true }, { diskId: 'disk1', replicationEpoch: 3, isInitialReplicationComplete: false }]);
    await expect(repairs.progress('v', shown, 2)).resolves.toBe('Succeeded');
  });
});
