import { ServiceError } from '../errors';
import type { AgentDiskState } from './AgentState';
import { AgentStateStore } from './AgentStateStore';
import { QemuDirtyBitmapTracker } from './qemu/QemuDirtyBitmapTracker';
import type { QemuTrackingInput } from './qemu/QemuTrackingConfig';

export interface TrackingTarget {
  stateDir: string;
  vault: string;
  item: string;
  diskId: string;
}

/**
 * `asr agent track`: how cycles find one protected disk's changes from now on. A qemu
 * configuration is validated (InvalidChangeTracking) and probed before it is recorded: qemu must
 * answer on the QMP socket (QemuUnreachable) and have the node as qcow2 (QemuDiskNotFound), so a
 * mistake shows here, not at the next cycle. `undefined` turns tracking off (the full scan).
 * The first tracked cycle is a full scan; so is any cycle after qemu restarted.
 */
export async function configureTracking(target: TrackingTarget, tracking: QemuTrackingInput | undefined): Promise<AgentDiskState> {
  const store = new AgentStateStore(target.stateDir, target.vault, target.item);
  await store.require();
  const release = await store.lock();
  try {
    const state = await store.require();
    const disk = state.disks.find((d) => d.diskId === target.diskId);
    if (!disk) {
      throw new ServiceError('InvalidChangeTracking', `item '${target.item}' has no disk '${target.diskId}' (its disks: ${state.disks.map((d) => d.diskId).join(', ')})`);
    }
    let next: AgentDiskState;
    if (tracking) {
      const tracker = new QemuDirtyBitmapTracker(tracking);
      await tracker.probe();
      next = { ...disk, tracking: tracker.config };
    } else {
      const { tracking: _off, ...rest } = disk;
      next = rest;
    }
    await store.commit({ ...state, disks: state.disks.map((d) => (d === disk ? next : d)) });
    return next;
  } finally {
    await release();
  }
}
