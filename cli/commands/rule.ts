import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import type { ArmResource, AsrApiClient } from '../api/AsrApiClient';
import { createOnly } from '../api/createOnly';
import { emit, table } from '../api/output';
import { invalidArgument, runCommand } from '../api/runCommand';

const ACTIONS: Record<string, string> = {
  'test-failover': 'TestFailover', 'unplanned-failover': 'UnplannedFailover', 'raise-event': 'RaiseEvent', drill: 'Drill',
};
const POINTS: Record<string, string> = {
  latest: 'Latest', 'latest-processed': 'LatestProcessed', 'latest-app-consistent': 'LatestApplicationConsistent', 'latest-crash-consistent': 'LatestCrashConsistent',
};

const collect = (value: string, previous: string[] = []) => [...previous, value];

function rulesPath(client: AsrApiClient, vault: string, name?: string): string {
  return `${client.vaultPath(vault)}/replicationAlertRules${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}

function actionText(p: Record<string, any>): string {
  const a = p.action ?? {};
  const plan = a.recoveryPlanId ? ` of ${String(a.recoveryPlanId).split('/').pop()}` : '';
  const gate = a.kind === 'UnplannedFailover' ? (a.autoExecute ? ' (auto-execute)' : ' (waits for approval)') : '';
  const schedule = a.drillScheduleId ? ` with schedule ${String(a.drillScheduleId).split('/').pop()}` : '';
  return `${a.kind}${plan}${schedule}${gate}`;
}

function matchText(p: Record<string, any>): string {
  const m = p.match ?? {};
  const parts = [
    m.sources && `source ${m.sources.join('|')}`, m.alertRuleNames && `alert rule ${m.alertRuleNames.join('|')}`,
    m.severities && `severity ${m.severities.join('|')}`, m.resourceIds && `resource ${m.resourceIds.join('|')}`,
    m.eventTypes && `event type ${m.eventTypes.join('|')}`,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'any fired alert';
}

function describeRule(r: ArmResource): string {
  const p = r.properties;
  return [`${r.name}: ${p.state}`, `  when:   ${matchText(p)} (Fired only)`, `  then:   ${actionText(p)}`, `  secret: ${p.secretHint}`].join('\n');
}

interface CreateOptions {
  action: string; plan?: string; network?: string; drillSchedule?: string; point?: string; autoExecute?: boolean; secret?: string;
  alertRule?: string[]; severity?: string[]; resource?: string[]; eventType?: string[]; source?: string[]; json?: boolean;
}

/** The rule's PUT body from the flags; a plan given by name becomes its ARM id in the vault. */
function ruleBody(client: AsrApiClient, vault: string, opts: CreateOptions, secret: string): Record<string, unknown> {
  const kind = ACTIONS[opts.action];
  if (!kind) throw invalidArgument(`--action must be one of ${Object.keys(ACTIONS).join(', ')}, got '${opts.action}'`);
  const point = opts.point === undefined ? undefined : POINTS[opts.point];
  if (opts.point !== undefined && !point) throw invalidArgument(`--point must be one of ${Object.keys(POINTS).join(', ')}, got '${opts.point}'`);
  const plan = opts.plan && !opts.plan.startsWith('/') ? `${client.vaultPath(vault)}/replicationRecoveryPlans/${opts.plan}` : opts.plan;
  const match = {
    ...(opts.source ? { sources: opts.source } : {}), ...(opts.alertRule ? { alertRuleNames: opts.alertRule } : {}),
    ...(opts.severity ? { severities: opts.severity } : {}), ...(opts.resource ? { resourceIds: opts.resource } : {}),
    ...(opts.eventType ? { eventTypes: opts.eventType } : {}),
  };
  return {
    properties: {
      secret, match,
      action: { kind, ...(plan ? { recoveryPlanId: plan } : {}), ...(opts.network ? { networkId: opts.network } : {}), ...(opts.drillSchedule ? { drillSchedule: opts.drillSchedule } : {}), ...(point ? { recoveryPointType: point } : {}), ...(opts.autoExecute ? { autoExecute: true } : {}) },
    },
  };
}

/** `asr rule create|list|show|enable|disable|delete`: alert rules (docs/alert-rules.md). */
export function registerRuleCommands(program: Command): void {
  const rule = program.command('rule').description('alert rules: what an alert from your monitoring starts (docs/alert-rules.md)');

  rule.command('create <vault> <rule>')
    .description('create an alert rule, disabled; prints its trigger URL with the secret once (it is never shown again)')
    .requiredOption('--action <kind>', `what a matching alert does: ${Object.keys(ACTIONS).join(', ')}`)
    .option('--plan <plan>', 'the recovery plan (name or ARM id) to fail over')
    .option('--network <id>', 'test failover: the isolated network')
    .option('--drill-schedule <name>', 'drill: the plan\'s drill schedule to run (its point, checks, keep-up time and network)')
    .option('--point <choice>', `recovery point: ${Object.keys(POINTS).join(', ')} (default latest)`)
    .option('--auto-execute', 'unplanned failover: start without waiting for an operator\'s approval')
    .option('--alert-rule <name>', 'match this Azure Monitor alert rule name (repeatable)', collect)
    .option('--severity <sev>', 'match this severity, Sev0-Sev4 (repeatable)', collect)
    .option('--resource <id>', 'match alerts on this resource or under it (repeatable)', collect)
    .option('--event-type <type>', 'match this Event Grid / CloudEvents type (repeatable)', collect)
    .option('--source <source>', 'match AzureMonitor, EventGrid or CloudEvents (repeatable)', collect)
    .option('--secret <secret>', 'the secret senders present (default: 32 random bytes, base64url)')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, name: string, opts: CreateOptions) => {
      const secret = opts.secret ?? randomBytes(32).toString('base64url');
      const created = await createOnly(client, rulesPath(client, vault, name), ruleBody(client, vault, opts, secret), `alert rule '${name}' in vault '${vault}'`,
        `asr rule delete ${vault} ${name}`);
      const url = new URL(`${rulesPath(client, vault, name)}/trigger`, client.config.endpoint);
      url.searchParams.set('secret', secret);
      emit({ ...created, triggerUrl: url.toString() }, opts.json, (r) => `${describeRule(r)}\n  trigger URL (keep it secret; it is shown only now):\n    ${r.triggerUrl}\n` +
        `  the rule is off until: asr rule enable ${vault} ${name}`);
    }));

  rule.command('list <vault>')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, opts: { json?: boolean }) => {
      const rules = await client.list(rulesPath(client, vault));
      emit(rules, opts.json, (rs) => table(['NAME', 'STATE', 'WHEN', 'THEN'], rs.map((r) => [r.name, r.properties.state, matchText(r.properties), actionText(r.properties)])));
    }));

  rule.command('show <vault> <rule>')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, name: string, opts: { json?: boolean }) => {
      emit(await client.get(rulesPath(client, vault, name)), opts.json, describeRule);
    }));

  for (const verb of ['enable', 'disable'] as const) {
    rule.command(`${verb} <vault> <rule>`)
      .description(verb === 'enable' ? 'let matching alerts act' : 'ignore alerts (they are answered, audited and start nothing)')
      .option('--json', 'print JSON')
      .action(runCommand(async (client, vault: string, name: string, opts: { json?: boolean }) => {
        emit(await client.post<ArmResource>(`${rulesPath(client, vault, name)}/${verb}`, {}), opts.json, describeRule);
      }));
  }

  rule.command('delete <vault> <rule>')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, name: string, opts: { json?: boolean }) => {
      await client.delete(rulesPath(client, vault, name));
      emit({ deleted: name }, opts.json, () => `alert rule ${name} deleted`);
    }));
}
