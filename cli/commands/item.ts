import type { Command } from 'commander';
import { ServiceError } from '../../shared/errors';
import type { ArmResource, AsrApiClient } from '../api/AsrApiClient';
import { describeHealthErrors, describeRpo } from '../api/describeHealth';
import { emit, table } from '../api/output';
import { runCommand } from '../api/runCommand';
import { postAction } from './job';

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

/** One disk's replication progress (`providerSpecificDetails.protectedDisks`). */
interface ShownDiskStatus {
  diskId: string;
  replicationEpoch: number;
  lastAppliedSequence: number;
  lastAppliedCutTime?: string;
  isInitialReplicationComplete: boolean;
}

function describeItem(i: ArmResource): string {
  const p = i.properties;
  const d = p.providerSpecificDetails ?? {};
  const progress = new Map(((d.protectedDisks ?? []) as ShownDiskStatus[]).map((s) => [s.diskId, s]));
  const disk = (k: { diskId: string }): string => {
    const s = progress.get(k.diskId);
    if (!s) return `${k.diskId} (no log merged)`;
    return `${k.diskId} (epoch ${s.replicationEpoch}, log ${s.lastAppliedSequence}${s.isInitialReplicationComplete ? '' : ', seeding'}${s.lastAppliedCutTime ? ` cut ${s.lastAppliedCutTime}` : ''})`;
  };
  return [
    `${i.name} (${i.id})`,
    `  state: ${p.protectionState} (${p.protectionStateDescription ?? '-'}), health: ${p.replicationHealth}, active: ${p.activeLocation}`,
    `  policy: ${p.policyFriendlyName}, RPO: ${describeRpo(d.rpoInSeconds)}, last replicated (what Latest recovers): ${d.lastReplicatedTime ?? '-'}, newest recovery point: ${d.lastRecoveryPointTime ?? '-'}`,
    `  target: ${d.recoveryAzureVmName ?? '-'} size ${d.recoveryAzureVMSize ?? '-'} in ${d.recoveryAzureResourceGroupId ?? '-'}`,
    ...describeNics(d.vmNics ?? []),
    `  disks: ${(d.disks ?? []).map(disk).join(', ') || '-'}`,
    ...describeHealthErrors(p.healthErrors),
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
      emit(items, opts.json, (is) => table(['NAME', 'STATE', 'HEALTH', 'RPO', 'NEWEST POINT', 'POLICY'], is.map((i) => [
        i.name, i.properties.protectionState, i.properties.replicationHealth, describeRpo(i.properties.providerSpecificDetails?.rpoInSeconds),
        i.properties.providerSpecificDetails?.lastReplicatedTime ?? '-', i.properties.policyFriendlyName,
      ])));
    }));

  item.command('resync <vault> <item>')
    .description('repair replication (ASR repairReplication): a new epoch in which the agent ships only the blocks that differ from the replica')
    .option('--wait', 'wait until the agent has shipped the repair and the item is Protected again')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, name: string, opts: { wait?: boolean; json?: boolean }) => {
      const found = await findItem(client, vault, name);
      const res = await postAction(client, `${found.id}/repairReplication`, {});
      const location = res.headers.get('location') ?? '';
      const epoch = location.split('?')[0].split('/').pop();
      const after: ArmResource = opts.wait && location ? await client.follow(location) : res.body;
      emit({ epoch: Number(epoch), item: after }, opts.json, () => [
        `repair of ${found.name} started: replication epoch ${epoch}; the service wrote the replica's block digests`,
        opts.wait
          ? `repaired: ${after.properties.protectionState}, health ${after.properties.replicationHealth}`
          : `state: ${after.properties.protectionState}. The agent ships the differing blocks when it next runs ('asr agent sync ${vault} ${found.name}' or a running 'asr agent run'); follow with 'asr item show ${vault} ${found.name}'`,
      ].join('\n'));
    }));

  item.command('show <vault> <item>')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, name: string, opts: { json?: boolean }) => {
      emit(await findItem(client, vault, name), opts.json, describeItem);
    }));
}
