import type { HrlExpectation } from '../../hrl';
import type { DiskRef } from '../../contracts/DiskRef';
import type { ReplicaState } from '../../contracts/ReplicaState';

/** What a log of `disk` applied on top of `state` must say about itself. */
export function expectationFor(disk: DiskRef, state: Pick<ReplicaState, 'epoch' | 'sourceVirtualSize'> | undefined, sequence: bigint, keyFingerprint?: string | null): HrlExpectation {
  return {
    vaultId: disk.vault,
    protectedItemId: disk.item,
    diskId: disk.disk,
    epoch: state?.epoch,
    virtualSize: state?.sourceVirtualSize,
    sequence,
    keyFingerprint,
  };
}
