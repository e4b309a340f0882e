import type { Command } from 'commander';
import { ServiceError } from '../../shared/errors';
import type { ArmResource, AsrApiClient } from '../api/AsrApiClient';
import { obtainToken } from '../api/obtainToken';
import { emit, table } from '../api/output';
import { invalidArgument, runCommand } from '../api/runCommand';
import { downloadReport, type ReportFlags } from './reportDownload';
import { JobStepReporter, taskSeconds, type JobTask } from '../progress/JobStepReporter';

type Task = JobTask;

/**
 * POSTs an action (the API client of cli/api has no POST): bearer token as for every call,
 * errors as typed `ServiceError`s with the API's code. Returns status, headers and body.
 */
export async function postAction(client: AsrApiClient, path: string, body: unknown, role: 'Operator' | 'Contributor' = 'Contributor'): Promise<{ status: number; headers: Headers; body: any }> {
  const url = new URL(path, client.config.endpoint);
  if (!url.searchParams.has('api-version')) url.searchParams.set('api-version', '2023-08-01');
  const token = await obtainToken(client.config, role);
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
  } catch (err) {
    throw new ServiceError('Unreachable', `cannot reach ${client.config.endpoint} (${(err as Error).message}); is the host running (npm start)?`, { retryable: true, cause: err });
  }
  const text = await res.text();
  const parsed = text ? JSON.parse(text) : undefined;
  if (res.status >= 400) {
    throw new ServiceError(parsed?.error?.code ?? `Http${res.status}`, parsed?.error?.message ?? `POST ${url.pathname} answered ${res.status}`, { details: { status: res.status } });
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

function jobsPath(client: AsrApiClient, vault: string, job?: string): string {
  return `${client.vaultPath(vault)}/replicationJobs${job ? `/${encodeURIComponent(job)}` : ''}`;
}

const seconds = taskSeconds;

function describeJob(j: ArmResource): string {
  const p = j.properties;
  const lines = [`${j.name}: ${p.friendlyName} - ${p.state} (${p.stateDescription})`];
  for (const t of p.tasks as Task[]) {
    lines.push(`  [${t.state}] ${t.friendlyName}${seconds(t)}${t.state === 'Failed' || t.state === 'Suspended' ? `: ${t.stateDescription}` : ''}`);
    for (const c of t.groupTaskCustomDetails?.childTasks ?? []) lines.push(`      [${c.state}] ${c.friendlyName}${seconds(c)}${c.state === 'Failed' ? `: ${c.stateDescription}` : ''}`);
  }
  for (const e of (p.errors ?? []) as { serviceErrorDetails: { code: string; message: string; recommendedAction: string } }[]) {
    lines.push(`  error ${e.serviceErrorDetails.code}: ${e.serviceErrorDetails.message}`, `    what to do: ${e.serviceErrorDetails.recommendedAction}`);
  }
  if (p.allowedActions?.length) lines.push(`  allowed: ${p.allowedActions.join(', ')}`);
  return lines.join('\n');
}

/** How `watchJob` shows progress; the defaults suit the command line. */
export interface WatchOptions {
  out?: (line: string) => void;
  pollMs?: number;
  /** Print nothing while following (`--json`: only the final JSON). */
  quiet?: boolean;
}

/**
 * Follows a job until it ends or suspends: a line as each step starts and ends (with its
 * duration); while a step runs, a live line with its elapsed time on a terminal, or a "still
 * running" line every `ASR_WAIT_HEARTBEAT_SECONDS` (30) in a log. Throws the job's error when it
 * failed or was cancelled.
 */
export async function watchJob(client: AsrApiClient, vault: string, job: string, options: WatchOptions = {}): Promise<ArmResource> {
  const out = options.quiet ? () => undefined : options.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const tty = !options.quiet && !options.out && process.stdout.isTTY;
  const heartbeat = Number(process.env.ASR_WAIT_HEARTBEAT_SECONDS ?? '30');
  const steps = new JobStepReporter({
    line: out,
    live: tty ? { write: (t) => process.stdout.write(t) } : undefined,
    heartbeatSeconds: Number.isFinite(heartbeat) && heartbeat > 0 ? heartbeat : 30,
  });
  try {
    for (;;) {
      const j = await client.get(jobsPath(client, vault, job));
      steps.update(j.properties.tasks as Task[]);
      const state = j.properties.state as string;
      if (state === 'Succeeded' || state === 'Suspended') {
        steps.close();
        out(`job ${j.name}: ${state}${state === 'Suspended' ? ` (${j.properties.stateDescription})` : ''}`);
        return j;
      }
      if (state === 'Failed' || state === 'Cancelled') {
        steps.close();
        const e = j.properties.errors?.[j.properties.errors.length - 1]?.serviceErrorDetails;
        throw new ServiceError(e?.code ?? `Job${state}`, `job ${j.name} ${state.toLowerCase()}: ${e?.message ?? j.properties.stateDescription}${e?.recommendedAction ? ` - ${e.recommendedAction}` : ''}`);
      }
      await new Promise((r) => setTimeout(r, options.pollMs ?? 1000));
    }
  } finally {
    steps.close();
  }
}

/** The job name from an operation's 202 (`Location: …/operationresults/{job}`). */
export function jobNameOf(res: { headers: Headers }): string {
  const loc = res.headers.get('location');
  if (!loc) throw new ServiceError('UnexpectedResponse', 'the service answered without a Location to follow');
  return new URL(loc).pathname.split('/').pop()!;
}

/** `asr job list|show|resume|cancel|restart`. */
export function registerJobCommands(program: Command): void {
  const job = program.command('job').description('recovery jobs (failovers, cleanups, commits)');

  job.command('list <vault>')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, opts: { json?: boolean }) => {
      const jobs = await client.list(jobsPath(client, vault));
      emit(jobs, opts.json, (js) => table(['JOB', 'SCENARIO', 'TARGET', 'STATE', 'STARTED'], js.map((j) => [
        j.name, j.properties.scenarioName, j.properties.targetObjectName, j.properties.state, j.properties.startTime,
      ])));
    }));

  job.command('show <vault> <job>')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, name: string, opts: { json?: boolean }) => {
      emit(await client.get(jobsPath(client, vault, name)), opts.json, describeJob);
    }));

  job.command('report <vault> <job>')
    .description('the job\'s report: plan, point, RPO per machine, RTO, steps, probes, approvals, errors (docs/reports.md)')
    .option('--format <format>', 'xlsx, html or json', 'json')
    .option('--out <file>', 'where to write it (default: standard output)')
    .option('--json', 'the same as --format json')
    .action(runCommand(async (client, vault: string, name: string, opts: ReportFlags) => {
      await downloadReport(client, `${jobsPath(client, vault, name)}/report`, opts);
    }));

  job.command('resume <vault> <job>')
    .description('complete the manual action the job waits on')
    .option('--comment <text>', 'what was done (recorded on the task)', '')
    .option('--wait', 'follow the job until it ends or waits again')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, name: string, opts: { comment: string; wait?: boolean; json?: boolean }) => {
      const res = await postAction(client, `${jobsPath(client, vault, name)}/resume`, { properties: { comments: opts.comment } }, 'Operator');
      const j = opts.wait ? await watchJob(client, vault, name, { quiet: opts.json }) : res.body as ArmResource;
      if (!opts.wait || opts.json) emit(j, opts.json, describeJob);
    }));

  for (const verb of ['cancel', 'restart'] as const) {
    job.command(`${verb} <vault> <job>`)
      .option('--wait', 'follow the (new) job')
      .option('--json', 'print JSON')
      .action(runCommand(async (client, vault: string, name: string, opts: { wait?: boolean; json?: boolean }) => {
        if (!name) throw invalidArgument('name the job');
        const res = await postAction(client, `${jobsPath(client, vault, name)}/${verb}`, {}, verb === 'cancel' ? 'Operator' : 'Contributor');
        const j = res.body as ArmResource;
        const after = opts.wait ? await watchJob(client, vault, j.name, { quiet: opts.json }) : j;
        if (!opts.wait || opts.json) emit(after, opts.json, describeJob);
      }));
  }
}
