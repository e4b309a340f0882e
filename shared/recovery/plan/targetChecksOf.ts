import type { MachineNicSpec, TargetCheckRequest } from '../../fabric';

/**
 * The subnet a NIC joins, as `checkTarget` takes it: the subnet's ARM id when the network is an
 * ARM id, otherwise `{network}/{subnet}` (a name the fabric resolves in the recovery group).
 */
export function subnetRefOf(nic: MachineNicSpec): string {
  return nic.network.startsWith('/') ? `${nic.network}/subnets/${nic.subnet}` : `${nic.network}/${nic.subnet}`;
}

/**
 * One target check per recovery resource group, with every subnet the machines going there join,
 * each once (ARM names are case-insensitive; the first spelling seen is kept).
 */
export function targetChecksOf(machines: { resourceGroup: string; nics: MachineNicSpec[] }[]): TargetCheckRequest[] {
  const byGroup = new Map<string, { resourceGroup: string; subnets: Map<string, string> }>();
  for (const m of machines) {
    const key = m.resourceGroup.toLowerCase();
    const entry = byGroup.get(key) ?? { resourceGroup: m.resourceGroup, subnets: new Map<string, string>() };
    for (const nic of m.nics) {
      const ref = subnetRefOf(nic);
      if (!entry.subnets.has(ref.toLowerCase())) entry.subnets.set(ref.toLowerCase(), ref);
    }
    byGroup.set(key, entry);
  }
  return [...byGroup.values()].map((e) => ({ resourceGroup: e.resourceGroup, subnetIds: [...e.subnets.values()] }));
}
