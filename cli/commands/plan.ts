import type { Command } from 'commander';
import type { ArmResource } from '../api/AsrApiClient';
import { describeHealthErrors } from '../api/describeHealth';
import { emit, table } from '../api/output';
import { invalidArgument, runCommand } from '../api/runCommand';
import { listItems } from './item';

function describePlan(p: ArmResource): string {
  const groups = (p.properties.groups ?? []) as { groupType: string; replicationProtectedItems: { id: string }[] }[];
  let boot = 0;
  return [`${p.name}: ${p.properties.primaryFabricFriendlyName} -> ${p.properties.recoveryFabricFriendlyName}`,
    ...groups.map((g) => `  ${g.groupType === 'Boot' ? `Group ${++boot}` : g.groupType}: ${g.replicationProtectedItems.map((i) => i.id.split('/').pop()).join(', ') || '-'}`),
    `  replication health: ${p.properties.replicationHealth ?? '-'}`,
    ...describeHealthErrors(p.properties.healthErrors),
  ].join('\n');
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `asr plan create|show|list|delete`. */
export function registerPlanCommands(program: Command): void {
  const plan = program.command('plan').description('recovery plans');
  const path = (client: { vaultPath(v: string): string }, vault: string, name?: string) =>
    `${client.vaultPath(vault)}/replicationRecoveryPlans${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;

  plan.command('create <vault> <plan>')
    .description('create or replace a plan; each --group is one boot group, in order')
    .requiredOption('--group <items>', 'comma-separated protected item names (repeat for more groups)', collect, [])
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, name: string, opts: { group: string[]; json?: boolean }) => {
      const items = await listItems(client, vault);
      const byName = new Map(items.map((i) => [i.name.toLowerCase(), i]));
      const groups = opts.group.map((g, gi) => {
        const names = g.split(',').map((s) => s.trim()).filter(Boolean);
        if (names.length === 0) throw invalidArgument(`--group ${gi + 1} is empty`);
        return {
          groupType: 'Boot',
          replicationProtectedItems: names.map((n) => {
            const item = byName.get(n.toLowerCase());
            if (!item) throw invalidArgument(`--group ${gi + 1}: no protected item '${n}' in vault '${vault}' (see 'asr item list ${vault}')`);
            return { id: item.id };
          }),
        };
      });
      const first = byName.get(opts.group[0].split(',')[0].trim().toLowerCase())!;
      const primaryFabricId = first.id.split('/replicationProtectionContainers/')[0];
      const body = { properties: { primaryFabricId, recoveryFabricId: 'Microsoft Azure', failoverDeploymentModel: 'ResourceManager', groups } };
      emit(await client.put(path(client, vault, name), body), opts.json, describePlan);
    }));

  plan.command('show <vault> <plan>')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, name: string, opts: { json?: boolean }) => {
      emit(await client.get(path(client, vault, name)), opts.json, describePlan);
    }));

  plan.command('list <vault>')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, opts: { json?: boolean }) => {
      const plans = await client.list(path(client, vault));
      emit(plans, opts.json, (ps) => table(['NAME', 'GROUPS', 'ITEMS'], ps.map((p) => [
        p.name, (p.properties.groups ?? []).length,
        (p.properties.groups ?? []).reduce((n: number, g: { replicationProtectedItems: unknown[] }) => n + g.replicationProtectedItems.length, 0),
      ])));
    }));

  plan.command('delete <vault> <plan>')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, name: string, opts: { json?: boolean }) => {
      await client.delete(path(client, vault, name));
      emit({ deleted: name }, opts.json, () => `plan ${name} deleted`);
    }));
}
