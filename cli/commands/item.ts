import type { Command } from 'commander';
import { ServiceError } from '../../shared/errors';
import type { ArmResource, AsrApiClient } from '../api/AsrApiClient';
import { emit, table } from '../api/output';
import { runCommand } from '../api/runCommand';

/** The vault's protected items. */
export function listItems(client: AsrApiClient, vault: string): Promise<ArmResource[]> {
  return client.list(`${client.vaultPath(vault)}/replicationProtectedItems`);
}

/** A protected item by name (names are unique per container; the first match across the vault wins). */
export async function findItem(client: AsrApiClient, vault: string, name: string): Promise<ArmResource> {
  const item = (await listItems(client, vault)).find((i) => i.name.toLowerCase() === name.toLowerCase());
  if (!item) throw new ServiceError('NotFound', `no protected item '${name}' in vault '${vault}'; see 'asr item list ${vault}'`);
  return item;
}

function describeItem(i: ArmResource): string {
  const p = i.properties;
  const d = p.providerSpecificDetails ?? {};
  return [
    `${i.name} (${i.id})`,
    `  state: ${p.protectionState}, health: ${p.replicationHealth}, active: ${p.activeLocation}`,
    `  policy: ${p.policyFriendlyName}, last RPO: ${d.rpoInSeconds ?? '-'} s, last replicated: ${d.lastReplicatedTime ?? '-'}`,
    `  target: ${d.recoveryAzureVmName ?? '-'} size ${d.recoveryAzureVMSize ?? '-'} in ${d.recoveryAzureResourceGroupId ?? '-'}`,
    ...describeNics(d.vmNics ?? []),
    `  disks: ${(d.disks ?? []).map((k: { diskId: string }) => k.diskId).join(', ') || '-'}`,
  ].join('\n');
}

/** One line per NIC of the item's `vmNics` view: its source network and where a failover puts it. */
function describeNics(nics: { nicId: string; vMNetworkName?: string; recoveryVMNetworkId?: string; ipConfigs?: { recoverySubnetName?: string; recoveryStaticIPAddress?: string }[] }[]): string[] {
  return nics.map((n) => {
    const ip = n.ipConfigs?.[0];
    const network = n.recoveryVMNetworkId ?? (n.vMNetworkName ? `(the vault's mapping of ${n.vMNetworkName})` : '- (none: set one or map its network)');
    return `  nic ${n.nicId}${n.vMNetworkName ? ` (source ${n.vMNetworkName})` : ''}: network ${network} subnet ${ip?.recoverySubnetName ?? 'default'} ip ${ip?.recoveryStaticIPAddress ?? 'dynamic'}`;
  });
}

/** `asr item list|show`. */
export function registerItemCommands(program: Command): void {
  const item = program.command('item').description('protected items (replicated VMs)');

  item.command('list <vault>')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, opts: { json?: boolean }) => {
      const items = await listItems(client, vault);
      emit(items, opts.json, (is) => table(['NAME', 'STATE', 'HEALTH', 'RPO(s)', 'POLICY'], is.map((i) => [
        i.name, i.properties.protectionState, i.properties.replicationHealth, i.properties.providerSpecificDetails?.rpoInSeconds, i.properties.policyFriendlyName,
      ])));
    }));

  item.command('show <vault> <item>')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, name: string, opts: { json?: boolean }) => {
      emit(await findItem(client, vault, name), opts.json, describeItem);
    }));
}
