import type { Command } from 'commander';
import type { ArmResource, AsrApiClient } from '../api/AsrApiClient';
import { createOnly } from '../api/createOnly';
import { describeHealthErrors } from '../api/describeHealth';
import { emit, table } from '../api/output';
import { invalidArgument, runCommand } from '../api/runCommand';
import { listItems } from './item';
import { describePlanTree, itemsById } from './planEdit';

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

/** ASR refuses a plan without a boot group of items (and the plan's source site comes from its first item). */
function requireGroups(groups: string[], verb: string): void {
  if (groups.length === 0) {
    throw invalidArgument(`plan ${verb} needs at least one --group <items>: a recovery plan boots its protected items in groups, e.g. --group db --group web,app (see 'asr item list <vault>')`);
  }
}

interface PlanGroup { groupType: string; replicationProtectedItems: { id: string }[]; startGroupActions?: unknown[]; endGroupActions?: unknown[] }

/** One Boot group per `--group`, items resolved by name; the plan's source site is the first item's. */
async function bootGroups(client: AsrApiClient, vault: string, specs: string[]): Promise<{ groups: PlanGroup[]; primaryFabricId: string }> {
  const items = await listItems(client, vault);
  const byName = new Map(items.map((i) => [i.name.toLowerCase(), i]));
  const groups = specs.map((g, gi) => {
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
  const primaryFabricId = groups[0].replicationProtectedItems[0].id.split('/replicationProtectionContainers/')[0];
  return { groups, primaryFabricId };
}

/** `asr plan create|update|show|list|delete` (the action edits are in planEdit.ts). */
export function registerPlanCommands(program: Command): void {
  const plan = program.command('plan').description('recovery plans');
  const path = (client: { vaultPath(v: string): string }, vault: string, name?: string) =>
    `${client.vaultPath(vault)}/replicationRecoveryPlans${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;

  plan.command('create <vault> <plan>')
    .description('create a plan (refused if it exists: change it with plan update); each --group is one boot group, in order')
    .option('--group <items>', 'required: comma-separated protected item names (repeat for more groups)', collect, [])
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, name: string, opts: { group: string[]; json?: boolean }) => {
      requireGroups(opts.group, 'create');
      const { groups, primaryFabricId } = await bootGroups(client, vault, opts.group);
      const body = { properties: { primaryFabricId, recoveryFabricId: 'Microsoft Azure', failoverDeploymentModel: 'ResourceManager', groups } };
      emit(await createOnly(client, path(client, vault, name), body, `plan '${name}' in vault '${vault}'`, `asr plan update ${vault} ${name} --group …`),
        opts.json, describePlan);
    }));

  plan.command('update <vault> <plan>')
    .description("replace the plan's boot groups; each --group is one boot group, in order (actions stay with their group's position)")
    .option('--group <items>', 'required: comma-separated protected item names (repeat for more groups)', collect, [])
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, name: string, opts: { group: string[]; json?: boolean }) => {
      requireGroups(opts.group, 'update');
      const current = await client.get(path(client, vault, name));
      const { groups } = await bootGroups(client, vault, opts.group);
      const old = (current.properties.groups ?? []) as PlanGroup[];
      const oldBoot = old.filter((g) => g.groupType === 'Boot');
      const merged = [
        ...old.filter((g) => g.groupType !== 'Boot'),
        ...groups.map((g, i) => ({ ...g, startGroupActions: oldBoot[i]?.startGroupActions ?? [], endGroupActions: oldBoot[i]?.endGroupActions ?? [] })),
      ];
      emit(await client.patch(path(client, vault, name), { properties: { groups: merged } }), opts.json, describePlan);
    }));

  plan.command('show <vault> <plan>')
    .description('the plan as a tree: groups in order, their machines and the actions before and after each')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, name: string, opts: { json?: boolean }) => {
      const p = await client.get(path(client, vault, name));
      const items = opts.json ? new Map<string, ArmResource>() : await itemsById(client, vault);
      emit(p, opts.json, (x) => describePlanTree(x, items));
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
