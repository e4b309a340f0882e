import type { Command } from 'commander';
import { ServiceError } from '../../shared/errors';
import type { ArmResource, AsrApiClient } from '../api/AsrApiClient';
import { invalidArgument, runCommand } from '../api/runCommand';
import { downloadReport, type ReportFlags } from './reportDownload';

interface PlanRun {
  schedule: string;
  run: ArmResource;
}

/** Every run of every drill schedule of the plan. */
async function runsOfPlan(client: AsrApiClient, vault: string, plan: string): Promise<PlanRun[]> {
  const schedules = (await client.list(`${client.vaultPath(vault)}/replicationDrillSchedules`))
    .filter((s) => s.id.toLowerCase().includes(`/replicationrecoveryplans/${plan.toLowerCase()}/`));
  if (schedules.length === 0) throw new ServiceError('NotFound', `recovery plan '${plan}' has no drill schedule in vault '${vault}' (asr drill schedule)`);
  const out: PlanRun[] = [];
  for (const s of schedules) {
    for (const run of await client.list(`${s.id}/drillRuns`)) out.push({ schedule: s.name, run });
  }
  return out;
}

/**
 * The run to report: `--run` (in `--schedule` when the plan has several schedules with a run of
 * that name), else the newest run that started a test failover (Skipped and Missed runs have
 * nothing to report).
 */
export function pickDrillRun(runs: PlanRun[], plan: string, opts: { run?: string; schedule?: string }): PlanRun {
  const inSchedule = opts.schedule ? runs.filter((r) => r.schedule.toLowerCase() === opts.schedule!.toLowerCase()) : runs;
  if (opts.run) {
    const named = inSchedule.filter((r) => r.run.name.toLowerCase() === opts.run!.toLowerCase());
    if (named.length === 0) throw new ServiceError('NotFound', `no drill run '${opts.run}' of recovery plan '${plan}'${opts.schedule ? ` in schedule '${opts.schedule}'` : ''} (asr drill history)`);
    if (named.length > 1) throw invalidArgument(`drill run '${opts.run}' exists in schedules ${named.map((r) => r.schedule).join(', ')}: name one with --schedule`);
    return named[0];
  }
  const ran = inSchedule.filter((r) => r.run.properties.testFailoverJobId)
    .sort((a, b) => String(a.run.properties.startTime ?? a.run.properties.dueTime).localeCompare(String(b.run.properties.startTime ?? b.run.properties.dueTime)));
  const newest = ran.pop();
  if (!newest) throw new ServiceError('NotFound', `no drill of recovery plan '${plan}' has run a test failover yet${opts.schedule ? ` in schedule '${opts.schedule}'` : ''} (asr drill history)`);
  return newest;
}

/** `asr drill report <vault> <plan> [--run] [--schedule] --format xlsx|html|json --out …` (docs/reports.md). */
export function registerDrillReportCommand(program: Command): void {
  const drill = program.commands.find((c) => c.name() === 'drill') ?? program.command('drill').description('scheduled drills of recovery plans');
  drill.command('report <vault> <plan>')
    .description("a drill's report: plan, point, RPO per machine, RTO, steps, probes, checks, pass/fail (default: the plan's newest drill that ran)")
    .option('--run <run>', 'the drill run (asr drill history); default the newest that ran a test failover')
    .option('--schedule <name>', 'the schedule the run belongs to, when the plan has several')
    .option('--format <format>', 'xlsx, html or json', 'json')
    .option('--out <file>', 'where to write it (default: standard output)')
    .option('--json', 'the same as --format json')
    .action(runCommand(async (client, vault: string, plan: string, opts: ReportFlags & { run?: string; schedule?: string }) => {
      const chosen = pickDrillRun(await runsOfPlan(client, vault, plan), plan, opts);
      await downloadReport(client, `${chosen.run.id}/report`, opts);
    }));
}
