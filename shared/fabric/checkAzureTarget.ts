import { FabricError } from './FabricError';
import { parseSubnetId, permits, RECOVERY_GROUP_ACTIONS, SUBNET_JOIN_ACTION, TargetCheck, TargetCheckRequest } from './TargetCheck';

const GROUP_API = '2021-04-01';
const NETWORK_API = '2025-05-01';
const PERMISSIONS_API = '2022-04-01';

/** An ARM GET through the fabric's authenticated pipeline: status and parsed body (never throws on 4xx). */
export type ArmGetJson = (path: string) => Promise<{ status: number; body: unknown }>;

const BICEP_GROUPS = 'additionalRecoveryResourceGroups (or recoveryResourceGroupName)';
const BICEP_NETWORKS = 'networkResourceGroups';

/**
 * The prerequisites an Azure failover needs, checked through ARM before anything is created:
 * the recovery group exists, each subnet exists, and the app's identity may write VMs, disks and
 * NICs in the group and join each subnet (ARM's `permissions` of the caller at that scope).
 * The first missing one is thrown, named, with the Bicep parameter that grants it.
 */
export async function checkAzureTarget(request: TargetCheckRequest, arm: { subscriptionId: string; getJson: ArmGetJson }): Promise<TargetCheck> {
  const sub = `/subscriptions/${arm.subscriptionId}`;
  const checks: TargetCheck['checks'] = [];
  const group = `${sub}/resourceGroups/${request.resourceGroup}`;
  const rg = await arm.getJson(`${group}?api-version=${GROUP_API}`);
  if (rg.status === 404) {
    throw new FabricError('TargetResourceGroupNotFound', `recovery resource group ${request.resourceGroup} does not exist in subscription ${arm.subscriptionId}`, {
      recommendedAction: `Create it, or deploy with it in the Bicep parameter ${BICEP_GROUPS} (azd up), or set the item's target resource group to one that exists.`,
      details: { resourceGroup: request.resourceGroup },
    });
  }
  assertOk(rg, `resource group ${request.resourceGroup}`);
  checks.push({ name: `resourceGroup ${request.resourceGroup}`, ok: true, detail: 'exists' });
  await assertActions(arm, group, RECOVERY_GROUP_ACTIONS, `resource group ${request.resourceGroup}`, BICEP_GROUPS);
  checks.push({ name: `permissions ${request.resourceGroup}`, ok: true, detail: RECOVERY_GROUP_ACTIONS.join(', ') });

  const checkedGroups = new Set<string>();
  for (const id of request.subnetIds) {
    const s = parseSubnetId(id);
    if (!s) {
      throw new FabricError('InvalidFabricRequest', `"${id}" is not a subnet's ARM id (/subscriptions/…/resourceGroups/…/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet})`, {
        recommendedAction: 'Map the network to a full virtual network ARM id and name the subnet.',
      });
    }
    const subnet = await arm.getJson(`${id}?api-version=${NETWORK_API}`);
    if (subnet.status === 404) {
      throw new FabricError('TargetSubnetNotFound', `subnet ${s.subnet} of virtual network ${s.network} (resource group ${s.resourceGroup}) does not exist`, {
        recommendedAction: 'Create the subnet, or fix the network mapping / the item\'s target network and subnet.',
        details: { subnetId: id },
      });
    }
    assertOk(subnet, `subnet ${s.subnet}`);
    checks.push({ name: `subnet ${s.network}/${s.subnet}`, ok: true, detail: 'exists' });
    if (checkedGroups.has(s.resourceGroup.toLowerCase())) continue;
    checkedGroups.add(s.resourceGroup.toLowerCase());
    await assertActions(arm, `${sub}/resourceGroups/${s.resourceGroup}`, [SUBNET_JOIN_ACTION], `resource group ${s.resourceGroup} (virtual network ${s.network})`, BICEP_NETWORKS);
    checks.push({ name: `permissions ${s.resourceGroup}`, ok: true, detail: SUBNET_JOIN_ACTION });
  }
  return { checks };
}

async function assertActions(arm: { getJson: ArmGetJson }, scope: string, actions: readonly string[], where: string, bicepParameter: string): Promise<void> {
  const r = await arm.getJson(`${scope}/providers/Microsoft.Authorization/permissions?api-version=${PERMISSIONS_API}`);
  assertOk(r, `the permissions on ${where}`);
  const granted = ((r.body as { value?: { actions?: string[]; notActions?: string[] }[] } | undefined)?.value) ?? [];
  const missing = actions.filter((a) => !permits(granted, a));
  if (missing.length === 0) return;
  throw new FabricError('TargetPermissionMissing', `the app's identity may not ${missing.join(', ')} on ${where}`, {
    possibleCauses: 'The deployment did not grant the app a role there (the group was added after azd up, or named in no Bicep parameter).',
    recommendedAction: `Add the group to the Bicep parameter ${bicepParameter} and run azd up again (or grant the role by hand), then retry.`,
    details: { scope, missing },
  });
}

function assertOk(r: { status: number; body: unknown }, what: string): void {
  if (r.status >= 200 && r.status < 300) return;
  const err = (r.body as { error?: { code?: string; message?: string } } | undefined)?.error;
  if (r.status === 403) {
    // ARM answers 403, not 404, for a group the caller has no role in, whether or not it exists.
    throw new FabricError('TargetPermissionMissing', `the app's identity may not read ${what} (it does not exist, or the app has no role there): ${err?.code ?? 'AuthorizationFailed'} ${err?.message ?? ''}`.trim(), {
      recommendedAction: `Grant the app a role there (Bicep parameters ${BICEP_GROUPS} / ${BICEP_NETWORKS}) and retry.`,
    });
  }
  throw new FabricError('ArmRequestFailed', `could not read ${what}: Azure answered ${r.status}${err?.code ? ` ${err.code}` : ''}${err?.message ? `: ${err.message}` : ''}`, {
    retryable: r.status === 429 || r.status >= 500, details: { status: r.status, armCode: err?.code },
  });
}
