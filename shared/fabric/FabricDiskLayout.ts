import { blobPath } from '../naming';
import type { DiskRef } from '../contracts/DiskRef';

/**
 * Where the fabrics keep what they make in the storage account.
 *
 * | container         | blob                                   | what |
 * |-------------------|----------------------------------------|------|
 * | `fabric-disks`    | `{resourceGroup}/{machine}/{disk}.vhd` | a materialised disk (fixed VHD page blob); Azure: the staging blob a managed disk imports |
 * | `fabric-machines` | `{resourceGroup}/{machine}.json`       | local fabric only: the machine record (JSON, ETag-guarded) |
 *
 * Both carry the failover's tags in blob metadata (see `FABRIC_TAG_KEYS`).
 */
export const FABRIC_CONTAINERS = { disks: 'fabric-disks', machines: 'fabric-machines' } as const;

export function fabricDiskBlob(resourceGroup: string, machineName: string, source: DiskRef): string {
  return blobPath([resourceGroup, machineName, source.disk], '.vhd');
}

export function fabricDiskPrefix(resourceGroup: string, machineName: string): string {
  return blobPath([resourceGroup, machineName], '/');
}

/** The target disk's name: unique per machine, readable in a portal. */
export function fabricDiskName(machineName: string, source: DiskRef): string {
  return `${machineName}-${source.disk}`;
}

export function machineRecordBlob(resourceGroup: string, machineName: string): string {
  return blobPath([resourceGroup, machineName], '.json');
}
