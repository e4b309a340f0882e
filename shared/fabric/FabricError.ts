import { ServiceError, ServiceErrorOptions } from '../errors';

/** Codes of {@link FabricError}; callers (and job errors) branch on these. */
export type FabricErrorCode =
  /** The machine asked for does not exist in the target. */
  | 'MachineNotFound'
  /** A machine of that name exists with a different spec (size, disks, network): not ours to overwrite. */
  | 'MachineConflict'
  /** A disk the machine needs is missing from the target. */
  | 'DiskNotFound'
  /** A managed disk of the target name exists with other contents (another job or point, attached, or not a failover's). */
  | 'DiskConflict'
  /** The VM size cannot run the source's generation (a Gen 2 / UEFI source on a Gen 1-only size). */
  | 'SizeGenerationUnsupported'
  /** The target resource group, a subnet or a permission the failover needs is missing (prerequisites check). */
  | 'TargetResourceGroupNotFound'
  | 'TargetSubnetNotFound'
  | 'TargetPermissionMissing'
  /** The target disk's VHD footer is wrong (cookie, checksum, disk type, size). */
  | 'DiskFooterInvalid'
  /** The target disk's Merkle digest differs from the source's digest at the chosen point. */
  | 'DiskDigestMismatch'
  /** The machine did not start (the fabric refused, or fault injection said so). */
  | 'MachineStartFailed'
  /** The machine is not in a state that allows the operation (e.g. start a deleted one). */
  | 'MachineStateInvalid'
  /** Another machine holds the static IP in that network (local fabric; Azure answers its own error). */
  | 'IpAddressInUse'
  /** The request is wrong (bad name, no disks, IP outside the subnet…). */
  | 'InvalidFabricRequest'
  /** Azure Resource Manager answered with an error. */
  | 'ArmRequestFailed'
  /** This fabric cannot read a recovered machine's disks for a failback (qemu). */
  | 'FailbackNotSupportedOnFabric'
  /** ARM granted a disk read whose SAS host is not an allowed blob endpoint: refused, never read. */
  | 'DiskAccessHostRefused'
  /** The configuration names no usable fabric, or lacks a setting it needs. */
  | 'FabricNotConfigured';

/** What ASR's job errors carry besides code and message. */
export interface FabricErrorOptions extends ServiceErrorOptions {
  /** Why this may have happened, for the job error's `possibleCauses`. */
  possibleCauses?: string;
  /** What the operator should do, for the job error's `recommendedAction`. */
  recommendedAction?: string;
}

/**
 * An error of a target fabric. Carries ASR's job-error fields so the orchestrator can copy them
 * into the task's `errors` without knowing the fabric.
 */
export class FabricError extends ServiceError {
  declare readonly code: FabricErrorCode;
  readonly possibleCauses: string;
  readonly recommendedAction: string;

  constructor(code: FabricErrorCode, message: string, options: FabricErrorOptions = {}) {
    super(code, message, options);
    this.possibleCauses = options.possibleCauses ?? '';
    this.recommendedAction = options.recommendedAction ?? '';
  }

  /** The ASR job-error shape (`errorCode`, `errorMessage`, `possibleCauses`, `recommendedAction`). */
  toJobError(): { errorCode: string; errorMessage: string; possibleCauses: string; recommendedAction: string } {
    return { errorCode: this.code, errorMessage: this.message, possibleCauses: this.possibleCauses, recommendedAction: this.recommendedAction };
  }
}

export function isFabricError(e: unknown, code?: FabricErrorCode): e is FabricError {
  return e instanceof FabricError && (code === undefined || e.code === code);
}
