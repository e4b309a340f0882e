import type { Command } from 'commander';
import type { ArmResource, AsrApiClient } from '../api/AsrApiClient';
import { emit, table } from '../api/output';
import { invalidArgument, runCommand } from '../api/runCommand';
import { postAction } from './job';

const collect = (value: string, previous: string[]) => [...previous, value];

/** `900`, `900s`, `15m`, `2h`, `1d` as seconds; the flag is named when the value is not one. */
export function durationSeconds(flag: string, value: string): number {
  const m = /^(\d+)(s|m|h|d)?$/.exec(value.trim());
  if (!m) throw invalidArgument(`${flag} '${value}' is not a duration: give seconds or a number with s, m, h or d (e.g. 900, 15m, 2h)`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
}

/** `latest`, `latest-app-consistent` or `<N>h` (the state N hours before the drill starts) as the schedule's `recoveryPoint`. */
export function drillPointOf(value: string): Record<string, unknown> {
  const v = value.trim().toLowerCase();
  if (v === 'latest') return { type: 'Latest' };
  if (v === 'latest-app-consistent') return { type: 'LatestApplicationConsistent' };
  const h = /^(\d+(?:\.\d+)?)h$/.exec(v);
  if (h) return { type: 'HoursAgo', hours: Number(h[1]) };
  throw invalidArgument(`--point '${value}': give latest, latest-app-consistent or <N>h (the state N hours before the drill starts, e.g. 24h)`);
}

const LEVELS: Record<string, string> = { disks: 'Disks', boot: 'Boot', probes: 'ApplicationProbes' };

export interface ScheduleOptions {
  cron: string;
  timeZone?: string;
  point?: string;
  verify?: string;
  keepUp?: string;
  network: string;
  autoApprove: string[];
  waitAction: string[];
  actionDeadline?: string;
  grace?: string;
  notify: string[];
  disable?: boolean;
}

/** The schedule's PUT body from the flags (the API checks the NCRONTAB and the time zone, and names the field). */
export function scheduleBodyOf(o: ScheduleOptions): { properties: Record<string, unknown> } {
  if (o.verify !== undefined && !LEVELS[o.verify.toLowerCase()]) throw invalidArgument(`--verify '${o.verify}': give disks, boot or probes`);
  const both = o.autoApprove.filter((a) => o.waitAction.some((w) => w.toLowerCase() === a.toLowerCase()));
  if (both.length) throw invalidArgument(`--auto-approve and --wait-action both name '${both[0]}'; choose one`);
  return {
    properties: {
      schedule: o.cron, testNetworkId: o.network, enabled: !o.disable,
      ...(o.timeZone ? { timeZone: o.timeZone } : {}),
      ...(o.point ? { recoveryPoint: drillPointOf(o.point) } : {}),
      ...(o.verify ? { verification: LEVELS[o.verify.toLowerCase()] } : {}),
      ...(o.keepUp ? { keepUpSeconds: durationSeconds('--keep-up', o.keepUp) } : {}),
      manualActions: [...o.autoApprove.map((a) => ({ actionName: a, mode: 'AutoApprove' })), ...o.waitAction.map((a) => ({ actionName: a, mode: 'Wait' }))],
      ...(o.actionDeadline ? { manualActionDeadlineSeconds: durationSeconds('--action-deadline', o.actionDeadline) } : {}),
      ...(o.grace ? { missedRunGraceSeconds: durationSeconds('--grace', o.grace) } : {}),
      notify: { targets: o.notify },
    },
  };
}

function describeSchedule(s: ArmResource): string {
  const p = s.properties;
  const actions = (p.manualActions ?? []) as { actionName: string; mode: string }[];
  return [
    `${s.name}: '${p.schedule}' (${p.timeZone})${p.enabled ? `, next ${p.nextRunTime}` : ', disabled'}`,
    `  point ${p.recoveryPoint.type}${p.recoveryPoint.hours ? ` ${p.recoveryPoint.hours} h` : ''}, verify ${p.verification}, keep up ${p.keepUpSeconds} s, network ${p.testNetworkId}`,
    `  manual actions: ${actions.length ? actions.map((a) => `${a.actionName} ${a.mode}`).join(', ') : 'all wait'} (deadline ${p.manualActionDeadlineSeconds} s); missed-run grace ${p.missedRunGraceSeconds} s`,
    `  notify: ${p.notify?.targets?.length ? p.notify.targets.join(', ') : "every alert webhook of the vault (by its minimum severity)"}`,
  ].join('\n');
}

function describeRun(r: ArmResource): string {
  const p = r.properties;
  const lines = [
    `${r.name}: ${p.result ?? p.phase} (${p.trigger}, due ${p.dueTime})${p.reason ? ` - ${p.reason}` : ''}`,
    `  started ${p.startTime ?? '-'}, ended ${p.endTime ?? '-'}; verified ${p.verifiedLevel ?? '-'} of ${p.verification}`,
    `  test failover job ${p.testFailoverJobId ?? '-'}, cleanup job ${p.cleanupJobId ?? '-'} (${p.cleanupState ?? '-'})`,
  ];
  for (const m of (p.machines ?? []) as { item: string; machineName?: string; state: string; recoveryPointTime?: string; checks: { name: string; ok: boolean; detail: string }[] }[]) {
    lines.push(`  ${m.machineName ?? m.item} [${m.state}] point ${m.recoveryPointTime ?? '-'}`);
    for (const c of m.checks) lines.push(`    ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  }
  return lines.join('\n');
}

/**
 * `asr drill schedule|list|show|run|history|delete`: a plan's drill schedules and their runs
 * (docs/drills.md). The `drill` group is shared: `asr drill report` (cli/commands/drillReport.ts)
 * joins it from its own file, whichever registers first.
 */
export function registerDrillCommands(program: Command): void {
  const drill = program.commands.find((c) => c.name() === 'drill') ?? program.command('drill').description('scheduled drills of recovery plans');
  const path = (client: AsrApiClient, vault: string, plan: string, name?: string) =>
    `${client.vaultPath(vault)}/replicationRecoveryPlans/${encodeURIComponent(plan)}/drillSchedules${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;

  drill.command('schedule <vault> <plan> <name>')
    .description('create or replace a drill schedule of the plan')
    .requiredOption('--cron <ncrontab>', "NCRONTAB with seconds, as Azure Functions timers: '{second} {minute} {hour} {day} {month} {day-of-week}', e.g. '0 0 2 * * Sat'")
    .option('--time-zone <iana>', 'IANA time zone the schedule is read in (default UTC), e.g. Europe/Berlin')
    .option('--point <point>', 'latest (default), latest-app-consistent or <N>h (N hours before the drill)')
    .option('--verify <level>', 'disks, boot or probes (default: probes, where the fabric boots machines)')
    .option('--keep-up <duration>', 'how long the machines stay up before the automatic cleanup (default 15m)')
    .requiredOption('--network <vnet>', 'the isolated network the test failover joins')
    .option('--auto-approve <action>', 'a manual action the drill approves by itself (repeat)', collect, [])
    .option('--wait-action <action>', 'a manual action the drill waits on, up to --action-deadline (repeat; unlisted actions wait too)', collect, [])
    .option('--action-deadline <duration>', 'how long a drill waits on a manual action before it fails (default 1h)')
    .option('--grace <duration>', 'a due time seen this late still runs; later ones are recorded Missed (default 15m)')
    .option('--notify <setting/webhook>', 'an alert webhook that gets this drill\'s events (repeat; default: every webhook of the vault)', collect, [])
    .option('--disable', 'store it disabled (asr drill run still runs it)')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, plan: string, name: string, opts: ScheduleOptions & { json?: boolean }) => {
      emit(await client.put(path(client, vault, plan, name), scheduleBodyOf(opts)), opts.json, describeSchedule);
    }));

  drill.command('list <vault> [plan]')
    .description("the vault's drill schedules (of one plan when named) with their next due time")
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, plan: string | undefined, opts: { json?: boolean }) => {
      const all = await client.list(`${client.vaultPath(vault)}/replicationDrillSchedules`);
      const mine = plan ? all.filter((s) => s.id.toLowerCase().includes(`/replicationrecoveryplans/${plan.toLowerCase()}/`)) : all;
      emit(mine, opts.json, (ss) => table(['PLAN', 'SCHEDULE', 'CRON', 'TIME ZONE', 'NEXT'], ss.map((s) => [
        s.id.split('/').slice(-3)[0], s.name, s.properties.schedule, s.properties.timeZone, s.properties.enabled ? s.properties.nextRunTime : 'disabled',
      ])));
    }));

  drill.command('show <vault> <plan> <name>')
    .description('the schedule, or one run with each machine\'s checks and probes (--run)')
    .option('--run <run>', 'a run of the schedule (see asr drill history)')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, plan: string, name: string, opts: { run?: string; json?: boolean }) => {
      if (opts.run) {
        emit(await client.get(`${path(client, vault, plan, name)}/drillRuns/${encodeURIComponent(opts.run)}`), opts.json, describeRun);
        return;
      }
      emit(await client.get(path(client, vault, plan, name)), opts.json, describeSchedule);
    }));

  drill.command('run <vault> <plan> <name>')
    .description('run the drill now (whatever its schedule says); --wait follows it to its result')
    .option('--wait', 'wait for the result')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, plan: string, name: string, opts: { wait?: boolean; json?: boolean }) => {
      const started = await postAction(client, `${path(client, vault, plan, name)}/run`, {}, 'Operator');
      let run = started.body as ArmResource;
      while (opts.wait && run.properties.phase !== 'Done') {
        await new Promise((r) => setTimeout(r, 2000));
        run = await client.get(`${path(client, vault, plan, name)}/drillRuns/${encodeURIComponent(run.name)}`);
      }
      emit(run, opts.json, describeRun);
      if (run.properties.result === 'Failed') process.exitCode = 1;
    }));

  drill.command('history <vault> <plan> <name>')
    .description('the runs of a schedule, oldest due time first: result and why')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, plan: string, name: string, opts: { json?: boolean }) => {
      const runs = await client.list(`${path(client, vault, plan, name)}/drillRuns`);
      emit(runs, opts.json, (rs) => table(['RUN', 'TRIGGER', 'DUE', 'RESULT', 'WHY'], rs.map((r) => [
        r.name, r.properties.trigger, r.properties.dueTime, r.properties.result ?? r.properties.phase, r.properties.reason ?? '',
      ])));
    }));

  drill.command('delete <vault> <plan> <name>')
    .description('delete the schedule (its runs stay as history)')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, plan: string, name: string, opts: { json?: boolean }) => {
      await client.delete(path(client, vault, plan, name));
      emit({ deleted: name }, opts.json, () => `drill schedule ${name} deleted`);
    }));
}
