import type { Command } from 'commander';
import { nameProblem, runbookIdSchema } from '../../shared/naming';
import type { ArmResource, AsrApiClient } from '../api/AsrApiClient';
import { describeHealthErrors } from '../api/describeHealth';
import { emit } from '../api/output';
import { invalidArgument, runCommand } from '../api/runCommand';
import { listItems } from './item';

/** A plan action as the API stores it (ASR's `RecoveryPlanAction`). */
export interface PlanAction {
  actionName: string;
  failoverTypes: string[];
  failoverDirections: string[];
  customDetails: { instanceType: string; runbookId?: string; fabricLocation?: string; timeout?: string; description?: string; path?: string };
}

export interface PlanGroup { groupType: string; replicationProtectedItems: { id: string; virtualMachineId?: string }[]; startGroupActions?: PlanAction[]; endGroupActions?: PlanAction[] }

const FAILOVER_TYPES: Record<string, string> = {
  test: 'TestFailover', planned: 'PlannedFailover', unplanned: 'UnplannedFailover', cleanup: 'TestFailoverCleanup', commit: 'Commit', cancel: 'CancelFailover',
  failback: 'Failback', reprotect: 'ReverseReplicate',
};
const DIRECTIONS: Record<string, string> = { 'primary-to-recovery': 'PrimaryToRecovery', 'recovery-to-primary': 'RecoveryToPrimary' };

function listOf(flag: string, value: string, names: Record<string, string>): string[] {
  const known = new Map(Object.entries(names).flatMap(([short, full]) => [[short, full], [full.toLowerCase(), full]]));
  return value.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    const full = known.get(s.toLowerCase());
    if (!full) throw invalidArgument(`${flag}: '${s}' is not one of ${Object.keys(names).join(', ')}`);
    return full;
  });
}

/** The group `--group` names: a boot group's number (1 = the first to start), `shutdown` or `failover`. */
export function groupIndexOf(groups: PlanGroup[], spec: string): number {
  const s = spec.trim().toLowerCase();
  if (s === 'shutdown' || s === 'failover') {
    const i = groups.findIndex((g) => g.groupType.toLowerCase() === s);
    if (i >= 0) return i;
  }
  const boot = groups.map((g, i) => [g, i] as const).filter(([g]) => g.groupType === 'Boot');
  const n = Number(s);
  if (Number.isInteger(n) && n >= 1 && n <= boot.length) return boot[n - 1][1];
  throw invalidArgument(`--group ${spec}: the plan has boot groups 1-${boot.length}, shutdown and failover`);
}

export interface AddActionOptions {
  group: string; before?: boolean; after?: boolean; runbook?: string; manual?: string; fabricLocation: string; timeout?: string;
  failoverTypes: string; directions: string; json?: boolean;
}

/** The action `plan add-action` adds, checked flag by flag. */
export function actionOf(name: string, opts: AddActionOptions): PlanAction {
  if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/.test(name)) throw invalidArgument(`action name '${name}': 1-64 letters, digits, spaces, ".", "_" or "-", starting with a letter or digit`);
  if (!!opts.runbook === (opts.manual !== undefined)) throw invalidArgument('give exactly one of --runbook <id> and --manual <instructions>');
  if (opts.runbook) {
    const problem = nameProblem(runbookIdSchema, opts.runbook);
    if (problem) throw invalidArgument(`--runbook '${opts.runbook}' ${problem}`);
  }
  if (opts.timeout !== undefined && !/^PT(\d+H)?(\d+M)?(\d+S)?$/.test(opts.timeout)) throw invalidArgument(`--timeout ${opts.timeout}: an ISO 8601 duration such as PT10M`);
  const location = opts.fabricLocation.toLowerCase();
  if (location !== 'primary' && location !== 'recovery') throw invalidArgument(`--fabric-location ${opts.fabricLocation}: primary or recovery`);
  const failoverTypes = listOf('--failover-types', opts.failoverTypes, FAILOVER_TYPES);
  const failoverDirections = listOf('--directions', opts.directions, DIRECTIONS);
  if (failoverTypes.length === 0) throw invalidArgument('--failover-types is empty');
  if (failoverDirections.length === 0) throw invalidArgument('--directions is empty');
  return {
    actionName: name, failoverTypes, failoverDirections,
    customDetails: opts.runbook
      ? { instanceType: 'AutomationRunbookActionDetails', runbookId: opts.runbook, fabricLocation: location === 'primary' ? 'Primary' : 'Recovery', ...(opts.timeout ? { timeout: opts.timeout } : {}) }
      : { instanceType: 'ManualActionDetails', description: opts.manual },
  };
}

/** Each group's name as the CLI and the console show it: Shutdown, Failover, Group 1, Group 2… */
export function groupNames(groups: PlanGroup[]): string[] {
  let boot = 0;
  return groups.map((g) => (g.groupType === 'Boot' ? `Group ${++boot}` : g.groupType));
}

function describeAction(where: string, a: PlanAction): string {
  const d = a.customDetails;
  const what = d.instanceType === 'ManualActionDetails' ? `manual: ${d.description ?? '-'}`
    : d.instanceType === 'AutomationRunbookActionDetails' ? `runbook ${d.runbookId} on ${d.fabricLocation}${d.timeout ? `, timeout ${d.timeout}` : ''}`
      : `script ${d.path ?? '-'}`;
  return `${where} ${a.actionName} (${what}) [${a.failoverTypes.join(', ')}; ${a.failoverDirections.join(', ')}]`;
}

/** The plan as a tree: groups in the order they run, each with its actions before, its machines, its actions after. */
export function describePlanTree(p: ArmResource, items: Map<string, ArmResource>): string {
  const groups = (p.properties.groups ?? []) as PlanGroup[];
  const names = groupNames(groups);
  const lines = [`${p.name}: ${p.properties.primaryFabricFriendlyName ?? '-'} -> ${p.properties.recoveryFabricFriendlyName ?? '-'} replication health: ${p.properties.replicationHealth ?? '-'}`];
  groups.forEach((g, gi) => {
    const lastGroup = gi === groups.length - 1;
    lines.push(`${lastGroup ? '└─' : '├─'} ${names[gi]}`);
    const children = [
      ...(g.startGroupActions ?? []).map((a) => describeAction('before:', a)),
      ...g.replicationProtectedItems.map((r) => {
        const it = items.get(r.id.toLowerCase());
        return it ? `machine ${it.name} (${it.properties.protectionState}, ${it.properties.replicationHealth})` : `machine ${r.id.split('/').pop()}`;
      }),
      ...(g.endGroupActions ?? []).map((a) => describeAction('after:', a)),
    ];
    const bar = lastGroup ? '   ' : '│  ';
    children.forEach((c, ci) => lines.push(`${bar}${ci === children.length - 1 ? '└─' : '├─'} ${c}`));
  });
  lines.push(...describeHealthErrors(p.properties.healthErrors));
  return lines.join('\n');
}

export const planPath = (client: AsrApiClient, vault: string, name: string) => `${client.vaultPath(vault)}/replicationRecoveryPlans/${encodeURIComponent(name)}`;

export async function itemsById(client: AsrApiClient, vault: string): Promise<Map<string, ArmResource>> {
  return new Map((await listItems(client, vault)).map((i) => [i.id.toLowerCase(), i]));
}

/** Writes the plan's groups back with If-Match, so an edit made meanwhile is not lost. */
async function saveGroups(client: AsrApiClient, plan: ArmResource, groups: PlanGroup[]): Promise<ArmResource> {
  const etag = (plan as ArmResource & { etag?: string }).etag;
  const body = { properties: { groups: groups.map((g) => ({ ...g, replicationProtectedItems: g.replicationProtectedItems.map((r) => ({ id: r.id })) })) } };
  return client.patch(plan.id, body, etag ? { 'if-match': etag } : {});
}

/** `asr plan add-action|remove-action`. */
export function registerPlanEditCommands(program: Command): void {
  const plan = program.commands.find((c) => c.name() === 'plan') ?? program.command('plan').description('recovery plans');

  plan.command('add-action <vault> <plan> <action>')
    .description('add a runbook or manual action before or after a group')
    .requiredOption('--group <group>', 'a boot group number (1 = first), shutdown or failover')
    .option('--before', 'run it before the group (start action)')
    .option('--after', 'run it after the group (end action)')
    .option('--runbook <id>', 'an Automation runbook (its ARM id or name; its webhook is in ASR_RUNBOOK_WEBHOOKS)')
    .option('--manual <instructions>', 'a manual action: the job waits with these instructions until resumed')
    .option('--fabric-location <where>', 'runbook: primary or recovery', 'recovery')
    .option('--timeout <duration>', 'runbook: ISO 8601 duration, e.g. PT10M')
    .option('--failover-types <list>', 'when it runs: comma-separated test, planned, unplanned, cleanup, commit, cancel', 'test,planned,unplanned')
    .option('--directions <list>', 'primary-to-recovery and/or recovery-to-primary', 'primary-to-recovery')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, name: string, actionName: string, opts: AddActionOptions) => {
      if (!!opts.before === !!opts.after) throw invalidArgument('give exactly one of --before and --after');
      const action = actionOf(actionName, opts);
      const p = await client.get(planPath(client, vault, name));
      const groups = (p.properties.groups ?? []) as PlanGroup[];
      const gi = groupIndexOf(groups, opts.group);
      const taken = groups.flatMap((g) => [...(g.startGroupActions ?? []), ...(g.endGroupActions ?? [])]).some((a) => a.actionName.toLowerCase() === actionName.toLowerCase());
      if (taken) throw invalidArgument(`plan ${name} already has an action '${actionName}': choose another name or remove it first (asr plan remove-action ${vault} ${name} ${actionName})`);
      const key = opts.before ? 'startGroupActions' : 'endGroupActions';
      const changed = groups.map((g, i) => (i === gi ? { ...g, [key]: [...(g[key] ?? []), action] } : g));
      const saved = await saveGroups(client, p, changed);
      const items = opts.json ? new Map<string, ArmResource>() : await itemsById(client, vault);
      emit(saved, opts.json, (x) => `added ${opts.before ? 'before' : 'after'} ${groupNames(groups)[gi]}\n${describePlanTree(x, items)}`);
    }));

  plan.command('remove-action <vault> <plan> <action>')
    .description('remove an action from the plan')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, name: string, actionName: string, opts: { json?: boolean }) => {
      const p = await client.get(planPath(client, vault, name));
      const groups = (p.properties.groups ?? []) as PlanGroup[];
      const match = (a: PlanAction) => a.actionName.toLowerCase() === actionName.toLowerCase();
      const all = groups.flatMap((g) => [...(g.startGroupActions ?? []), ...(g.endGroupActions ?? [])]);
      if (!all.some(match)) {
        throw invalidArgument(`plan ${name} has no action '${actionName}'${all.length ? `; its actions: ${all.map((a) => a.actionName).join(', ')}` : ' (it has none)'}`);
      }
      const changed = groups.map((g) => ({ ...g, startGroupActions: (g.startGroupActions ?? []).filter((a) => !match(a)), endGroupActions: (g.endGroupActions ?? []).filter((a) => !match(a)) }));
      const saved = await saveGroups(client, p, changed);
      const items = opts.json ? new Map<string, ArmResource>() : await itemsById(client, vault);
      emit(saved, opts.json, (x) => `removed ${actionName}\n${describePlanTree(x, items)}`);
    }));
}
