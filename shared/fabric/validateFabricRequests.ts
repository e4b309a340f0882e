import { isIPv4 } from 'node:net';
import { FabricError } from './FabricError';
import { FabricTagFilter } from './FabricTags';
import { isFabricName, MachineRef } from './MachineRef';
import { MachineSpec } from './MachineSpec';
import { FabricDiskTarget } from './FilledDisk';

function invalid(message: string): FabricError {
  return new FabricError('InvalidFabricRequest', message, { recommendedAction: 'Fix the protected item\'s target settings (name, resource group, size, network, IP) and fail over again.' });
}

export function validateRef(ref: MachineRef): void {
  if (!isFabricName(ref.resourceGroup)) throw invalid(`resource group name "${ref.resourceGroup}" is not valid: 1-63 letters, digits, . _ -, starting with a letter or digit`);
  if (!isFabricName(ref.name)) throw invalid(`machine name "${ref.name}" is not valid: 1-63 letters, digits, . _ -, starting with a letter or digit`);
}

export function validateDiskTarget(request: FabricDiskTarget): void {
  validateRef({ resourceGroup: request.resourceGroup, name: request.machineName });
  if (!request.tags?.job || !request.tags.item || !request.tags.vault) throw invalid('materialised disks must be tagged with vault, job and item (cleanup finds them by tag)');
}

export function validateMachineSpec(spec: MachineSpec): void {
  validateRef(spec);
  if (!spec.size) throw invalid(`machine ${spec.name} has no target size`);
  if (spec.disks.length === 0) throw invalid(`machine ${spec.name} has no disks`);
  if (spec.nics.length === 0) throw invalid(`machine ${spec.name} has no network interface; map the item's NIC to a target network and subnet`);
  for (const n of spec.nics) {
    if (!n.network || !n.subnet) throw invalid(`a NIC of machine ${spec.name} names no target network/subnet`);
    if (n.staticIp !== undefined && !isIPv4(n.staticIp)) throw invalid(`static IP "${n.staticIp}" of machine ${spec.name} is not an IPv4 address`);
  }
  if (!spec.tags?.job || !spec.tags.item || !spec.tags.vault) throw invalid('machines must be tagged with vault, job and item (cleanup finds them by tag)');
  const names = new Set(spec.disks.map((d) => d.name));
  if (names.size !== spec.disks.length) throw invalid(`machine ${spec.name} lists a disk twice`);
  for (const d of spec.disks) {
    if (d.resourceGroup !== spec.resourceGroup || d.machineName !== spec.name) throw invalid(`disk ${d.name} was materialised for machine ${d.resourceGroup}/${d.machineName}, not ${spec.resourceGroup}/${spec.name}`);
  }
}

/** Two specs describe the same machine (a retried create): same size, network, disks at the same point, same job. */
export function sameMachineSpec(a: MachineSpec, b: MachineSpec): boolean {
  return canonical(a) === canonical(b);
}

function canonical(s: MachineSpec): string {
  return JSON.stringify({
    size: s.size,
    location: s.location ?? null,
    osType: s.osType ?? null,
    nics: s.nics.map((n) => [n.network, n.subnet, n.staticIp ?? null]),
    testNetwork: s.testNetwork,
    job: s.tags.job,
    item: s.tags.item,
    disks: s.disks.map((d) => [d.name, d.epoch, d.sequence, d.expectedDigest]),
  });
}

/** Cleanup deletes by tag: refuse a filter so wide it would take a whole vault by accident. */
export function assertCleanupFilter(filter: FabricTagFilter): void {
  if (!filter.job && !filter.plan && !filter.item) throw invalid('cleanup needs a job, plan or item to match; it will not delete everything in a vault');
}
