import type { Command } from 'commander';
import { isIPv4 } from 'node:net';
import { nameProblem, subnetNameSchema, virtualNetworkRefSchema } from '../../shared/naming';
import type { ArmResource } from '../api/AsrApiClient';
import { emit } from '../api/output';
import { invalidArgument, runCommand } from '../api/runCommand';
import { findItem } from './item';

/** Azure VM names and sizes as the API accepts them (shared/arm's update schema says the same). */
const VM_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const VM_SIZE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$/;

export interface SetTargetOptions { network?: string; subnet?: string; nic?: string; ip?: string; size?: string; name?: string; json?: boolean }

/**
 * ASR's `UpdateReplicationProtectedItemInput` from the flags given, checked here first so a typo
 * is named with the flag it came from before anything is sent. With `--nic`, network, subnet and
 * IP go to that NIC; without, they are the item-wide target (the first NIC's, ASR's way).
 */
export function targetUpdateOf(opts: SetTargetOptions, nicIds: string[]): Record<string, unknown> {
  const { network, subnet, nic, ip, size, name } = opts;
  if ([network, subnet, ip, size, name].every((v) => v === undefined)) {
    throw invalidArgument('set-target needs at least one of --network, --subnet, --ip, --size, --name');
  }
  const check = (flag: string, value: string | undefined, problem: (v: string) => string | undefined) => {
    const p = value === undefined ? undefined : problem(value);
    if (p) throw invalidArgument(`${flag} '${value}' ${p}`);
  };
  check('--network', network, (v) => nameProblem(virtualNetworkRefSchema, v));
  check('--subnet', subnet, (v) => nameProblem(subnetNameSchema, v));
  check('--ip', ip, (v) => (isIPv4(v) ? undefined : 'is not an IPv4 address (a static private IP in the target subnet, e.g. 10.0.1.7)'));
  check('--size', size, (v) => (VM_SIZE.test(v) ? undefined : 'is not an Azure VM size (e.g. Standard_D2s_v3)'));
  check('--name', name, (v) => (VM_NAME.test(v) ? undefined : 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit'));
  if (nic !== undefined && !nicIds.some((n) => n.toLowerCase() === nic.toLowerCase())) {
    throw invalidArgument(`--nic '${nic}': the item has ${nicIds.length ? `NICs ${nicIds.join(', ')}` : 'no NICs'}`);
  }
  if (nic !== undefined && network === undefined && subnet === undefined && ip === undefined) {
    throw invalidArgument('--nic needs --network, --subnet or --ip: what to change on that NIC');
  }
  const properties: Record<string, unknown> = {
    ...(size === undefined ? {} : { recoveryAzureVMSize: size }),
    ...(name === undefined ? {} : { recoveryAzureVMName: name }),
  };
  if (nic !== undefined) {
    properties.vmNics = [{
      nicId: nic,
      ipConfigs: [{ isPrimary: true, ...(network ? { recoveryVMNetworkId: network } : {}), ...(subnet ? { recoverySubnetName: subnet } : {}), ...(ip ? { recoveryStaticIPAddress: ip } : {}) }],
    }];
  } else {
    Object.assign(properties, {
      ...(network === undefined ? {} : { selectedRecoveryAzureNetworkId: network }),
      ...(subnet === undefined ? {} : { selectedRecoverySubnetName: subnet }),
      ...(ip === undefined ? {} : { recoveryIpAddress: ip }),
    });
  }
  return { properties };
}

/** One line: where a failover of the item now lands. */
function describeTarget(i: ArmResource): string {
  const d = i.properties.providerSpecificDetails ?? {};
  const nics = ((d.vmNics ?? []) as { nicId: string; recoveryVMNetworkId?: string; ipConfigs?: { recoverySubnetName?: string; recoveryStaticIPAddress?: string }[] }[])
    .map((n) => `  nic ${n.nicId}: network ${n.recoveryVMNetworkId ?? d.selectedRecoveryAzureNetworkId ?? '-'} subnet ${n.ipConfigs?.[0]?.recoverySubnetName ?? 'default'} ip ${n.ipConfigs?.[0]?.recoveryStaticIPAddress ?? 'dynamic'}`);
  return [`${i.name}: target ${d.recoveryAzureVmName ?? '-'} size ${d.recoveryAzureVMSize ?? '-'} network ${d.selectedRecoveryAzureNetworkId ?? '-'}`, ...nics].join('\n');
}

/** `asr item set-target`: where and as what a failover brings the item up (ASR's update of a protected item). */
export function registerItemTargetCommands(program: Command): void {
  const item = program.commands.find((c) => c.name() === 'item') ?? program.command('item').description('protected items (replicated VMs)');
  item.command('set-target <vault> <item>')
    .description('set where a failover brings the item up: network, subnet, static IP (item-wide or per --nic), VM size and name')
    .option('--network <vnet>', "target virtual network: its ARM id or its name in the recovery resource group")
    .option('--subnet <name>', 'target subnet name')
    .option('--nic <nicId>', 'apply --network/--subnet/--ip to this NIC only (see asr item show)')
    .option('--ip <address>', 'static IPv4 address in the target subnet')
    .option('--size <vmSize>', 'Azure VM size, e.g. Standard_D2s_v3')
    .option('--name <vmName>', 'name of the recovered VM')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, name: string, opts: SetTargetOptions) => {
      const found = await findItem(client, vault, name);
      const nicIds = ((found.properties.providerSpecificDetails?.vmNics ?? []) as { nicId: string }[]).map((n) => n.nicId);
      const body = targetUpdateOf(opts, nicIds);
      // If-Match: a change someone made since the read is not silently overwritten.
      const etag = (found as ArmResource & { etag?: string }).etag;
      const updated = await client.patch(found.id, body, etag ? { 'if-match': etag } : {});
      emit(updated, opts.json, describeTarget);
    }));
}
