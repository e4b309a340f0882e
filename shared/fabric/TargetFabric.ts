import type { PageBlobClient } from '@azure/storage-blob';
import type { TargetCheck, TargetCheckRequest } from './TargetCheck';
import { FabricCleanupResult, FabricResource } from './FabricResource';
import { FabricDiskTarget, FilledDisk } from './FilledDisk';
import { FabricMachine } from './FabricMachine';
import { FabricTagFilter } from './FabricTags';
import { MachineCheck } from './MachineCheck';
import { MachineRef } from './MachineRef';
import { MachineSpec } from './MachineSpec';
import { MaterializedDisk } from './MaterializedDisk';
import type { RecoveredDiskRead } from './RecoveredDiskRead';

/** Which implementation: `ASR_TARGET_FABRIC=local|azure|qemu`. */
export type TargetFabricKind = 'local' | 'azure' | 'qemu';

/**
 * What a failover does in the target. The fabric is a leaf: it never reads replicas. It hands out
 * a staging blob, somebody else fills and verifies it (recovery, with replication's
 * materialisation), and the fabric takes the filled blob as a disk and makes machines of such
 * disks. Every operation is idempotent, because a Durable activity may run twice: handing out
 * and taking the same disk again gives the same disk, creating a
 * machine that exists with the same spec returns it, starting a running machine returns it,
 * deleting something missing succeeds. Errors are {@link FabricError}s with job-error fields.
 */
export interface TargetFabric {
  readonly kind: TargetFabricKind;
  /** The page blob to fill with the disk's fixed VHD (local: the disk itself; Azure: the staging blob a managed disk imports). */
  stagingBlob(target: FabricDiskTarget): Promise<PageBlobClient>;
  /** Take a staging blob, filled and verified, as the machine's disk: tag it (Azure: import a managed disk from it). */
  adoptDisk(disk: FilledDisk): Promise<MaterializedDisk>;
  /** Create (not start) the machine with its disks and NICs. */
  createMachine(spec: MachineSpec): Promise<FabricMachine>;
  /** Power on. Local: verifies every disk's VHD footer and digest first, and fails loudly on a mismatch. */
  startMachine(ref: MachineRef): Promise<FabricMachine>;
  /** Is the machine up and sound? */
  checkMachine(ref: MachineRef): Promise<MachineCheck>;
  stopMachine(ref: MachineRef): Promise<FabricMachine>;
  /** Undefined when the machine does not exist. */
  getMachine(ref: MachineRef): Promise<FabricMachine | undefined>;
  /** Delete the machine, its NICs and its disks. True if something was deleted. */
  deleteMachine(ref: MachineRef): Promise<boolean>;
  /**
   * The prerequisites step: the recovery group and each subnet exist and the app may create
   * there (Azure: through ARM, including the identity's permissions). Throws a FabricError
   * naming the first missing one (TargetResourceGroupNotFound, TargetSubnetNotFound, TargetPermissionMissing).
   */
  checkTarget(request: TargetCheckRequest): Promise<TargetCheck>;
  /** Machines, disks and NICs whose tags match (e.g. `{job}`: everything a job created). */
  listResources(filter: FabricTagFilter): Promise<FabricResource[]>;
  /**
   * A disk of the machine a committed failover made, readable for a failback round (issue 13):
   * local, the disk blob itself; Azure, an incremental snapshot of the managed disk behind a
   * read-only SAS (refused unless its host is an allowed blob endpoint). Qemu refuses
   * (FailbackNotSupportedOnFabric). Release the read in a finally.
   */
  readRecoveredDisk(disk: FabricDiskTarget): Promise<RecoveredDiskRead>;
  /** Removes what failback reads keep between rounds (Azure: the item's snapshots), after commit, cancel or reprotect. */
  releaseRecoveredDisks(filter: FabricTagFilter): Promise<void>;
  /** Delete everything `listResources(filter)` finds; the filter must name at least a job, plan or item. */
  cleanup(filter: FabricTagFilter): Promise<FabricCleanupResult>;
}
