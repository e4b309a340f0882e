/** What the prerequisites step asks a fabric to verify before a failover creates anything. */
export interface TargetCheckRequest {
  /** The recovery resource group the machines go to. */
  resourceGroup: string;
  /** Full ARM ids of the subnets the NICs join (`/subscriptions/…/virtualNetworks/{vnet}/subnets/{subnet}`). */
  subnetIds: string[];
}

/** Everything checked, each ok (a missing one is thrown as a FabricError naming it). */
export interface TargetCheck {
  checks: { name: string; ok: boolean; detail: string }[];
}

/** The ARM actions a failover performs in the recovery group. */
export const RECOVERY_GROUP_ACTIONS = [
  'Microsoft.Compute/virtualMachines/write',
  'Microsoft.Compute/disks/write',
  'Microsoft.Network/networkInterfaces/write',
] as const;

/** The action a NIC needs on the subnet's group (a subnet in another group than the NIC's). */
export const SUBNET_JOIN_ACTION = 'Microsoft.Network/virtualNetworks/subnets/join/action';

const SUBNET_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/virtualNetworks\/([^/]+)\/subnets\/([^/]+)$/i;

/** Resource group, virtual network and subnet of a subnet's ARM id; undefined when it is not one. */
export function parseSubnetId(id: string): { resourceGroup: string; network: string; subnet: string } | undefined {
  const m = SUBNET_ID.exec(id);
  return m ? { resourceGroup: m[1], network: m[2], subnet: m[3] } : undefined;
}

/** True when an RBAC action pattern (`*`, `Microsoft.Compute/*`, `*` + `/read`) covers `action`. Case-insensitive, as ARM's. */
export function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`, 'i');
  return re.test(action);
}

/** ARM's `permissions` answer: allowed when one entry's actions cover it and that entry's notActions do not. */
export function permits(permissions: { actions?: string[]; notActions?: string[] }[], action: string): boolean {
  return permissions.some((p) => (p.actions ?? []).some((a) => actionMatches(a, action)) && !(p.notActions ?? []).some((n) => actionMatches(n, action)));
}
