#!/usr/bin/env node
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceError } from '../shared/errors';
import { DemoReporter, formatSeconds } from './DemoReporter';
import { DEMO_RUNBOOK_ID } from './demoPlan';
import { DemoScenario, PLAN, type DemoOutcome } from './DemoScenario';
import type { FailbackOutcome } from './FailbackStory';
import { GuestBootStory, guestBootUnavailable, type GuestBootOutcome } from './GuestBootStory';
import { formatBytes } from '../cli/progress/formatBytes';
import { startLocalSystem, type RunningLocalSystem } from './LocalSystem';
import { startRunbookWebhook, type RunbookWebhook } from './RunbookWebhook';

/**
 * `npm run demo`: the whole product on this machine in a few minutes. Starts its own local
 * system (funclocal + emulators in a temp data dir on free ports), runs the story in
 * DemoScenario, prints a summary, and stops everything it started - also on failure and
 * Ctrl-C. Exit code 0 when every check passed, 1 on a failure, 130/143 when interrupted.
 * `--keep` keeps the temp directory (disks, agent state, host log); it is kept on failure too.
 * `--timeout <s>` (default 600: the boot of a recovered guest under TCG on a loaded 2-core machine took the whole demo to 240 s) fails the demo if the story has not finished by then.
 * `--failback` goes on after the test failover: failover, commit, failback, reprotect (home again).
 * Then, where qemu and the guest's Debian packages are installed, a recovered machine boots
 * (demo/GuestBootStory.ts: a drill on a second local system with `ASR_TARGET_FABRIC=qemu`);
 * `--no-boot` leaves that out; `--boot-only` runs only that part (the three-tier story skipped).
 */
async function main(argv: string[]): Promise<number> {
  const keep = argv.includes('--keep');
  const withFailback = argv.includes('--failback');
  const bootOnly = argv.includes('--boot-only');
  const withBoot = !argv.includes('--no-boot');
  const limit = argv.indexOf('--timeout');
  const limitSeconds = limit >= 0 ? Number(argv[limit + 1]) : 600;
  if (!(limitSeconds > 0) || (bootOnly && (withFailback || !withBoot))) {
    process.stderr.write('usage: runDemo [--keep] [--failback] [--no-boot | --boot-only] [--timeout <seconds>]\n');
    return 2;
  }
  const deadline = Date.now() + limitSeconds * 1000;
  const r = new DemoReporter();
  const dir = mkdtempSync(join(tmpdir(), 'asr-demo-'));
  let system: RunningLocalSystem | undefined;
  // Every local system started so far (the qemu site is the second), stopped in turn by the teardown.
  const stopSystems: (() => Promise<void>)[] = [];
  let runbook: RunbookWebhook | undefined;
  let tornDown: Promise<void> | undefined;
  let interrupted: number | undefined;
  const teardown = (removeDir: boolean) => (tornDown ??= (async () => {
    await runbook?.stop().catch(() => undefined);
    for (const stop of stopSystems) await stop().catch((e: unknown) => r.print(`could not stop the local host cleanly: ${(e as Error).message}`));
    if (removeDir) rmSync(dir, { recursive: true, force: true });
  })());
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      interrupted = code;
      r.print(`\n${signal}: stopping everything the demo started${r.running ? ` (during "${r.running}")` : ''}...`);
      void teardown(!keep).then(() => {
        r.print(keep ? `stopped; files kept in ${dir}` : 'stopped.');
        process.exit(code);
      });
    });
  }

  /** The three-tier app: protect, replicate, test failover, verify, clean up (and with --failback the way home). */
  const threeTierStory = async (): Promise<{ outcome: DemoOutcome; home?: FailbackOutcome }> => {
    // The webhook first: the host takes its URL from configuration, as in Azure (ASR_RUNBOOK_WEBHOOKS).
    const webhook = runbook = await r.step('Start the runbook webhook (plays Azure Automation on loopback)', () => startRunbookWebhook((line) => r.note(line)), (w) => w.url);
    system = await r.step('Start the local system (funclocal + storage and Cosmos DB emulators, free ports)', async () => {
      return startLocalSystem(dir, {
        onSpawned: (stop) => stopSystems.push(stop),
        env: { ASR_RUNBOOK_WEBHOOKS: JSON.stringify({ [DEMO_RUNBOOK_ID]: { webhookUrl: webhook.url } }) },
      });
    }, (s) => `API at ${s.baseUrl}, /health 200; host log in ${s.logFile}`);
    r.note('the same settings let you use the CLI against it while the demo runs:');
    r.note(`export ASR_ENDPOINT=${system.env.ASR_ENDPOINT} ASR_DATA_DIR=${system.env.ASR_DATA_DIR}`);
    const scenario = new DemoScenario(system, runbook, r, dir);
    const outcome = await withDeadline(scenario.run(), deadline, r);
    const home = withFailback ? await withDeadline(scenario.failback(), deadline, r) : undefined;
    if (!runbook.calls.length || runbook.calls.some((c) => c.callbackStatus !== 202)) {
      throw new ServiceError('RunbookNotCompleted', `the runbook webhook was called ${runbook.calls.length} time(s); callback answers: ${runbook.calls.map((c) => c.callbackStatus ?? 'none').join(', ')}`);
    }
    const first = system;
    await r.step('Stop the local system', () => first.stop());
    return { outcome, home };
  };

  r.print(bootOnly ? 'Site Recovery Functions demo (--boot-only): a drill boots a recovered guest under qemu.' : `Site Recovery Functions demo: protect a three-tier app, replicate, test-fail it over, verify, clean up${withFailback ? '; then fail over, fail back and reprotect' : ''}${withBoot ? '; then a drill boots a recovered guest under qemu' : ''}.`);
  r.print(`Working directory: ${dir}\n`);
  try {
    const story = bootOnly ? undefined : await threeTierStory();
    const unavailable = withBoot ? guestBootUnavailable() : 'left out (--no-boot)';
    let boot: GuestBootOutcome | undefined;
    if (unavailable && bootOnly) {
      throw new ServiceError('GuestBootUnavailable', `--boot-only: the boot of a recovered machine is not possible here: ${unavailable}`);
    } else if (unavailable) {
      r.print(`\nThe boot of a recovered machine: ${unavailable}${withBoot ? '; the rest of the demo needs none of it' : ''}.`);
    } else {
      const start = (dataDir: string, env: Record<string, string>) => startLocalSystem(dataDir, { onSpawned: (stop) => stopSystems.push(stop), env });
      boot = await withDeadline(new GuestBootStory(r, dir, start).run(), deadline, r);
    }
    await teardown(!keep);
    printSummary(r, story?.outcome, boot);
    if (story?.home) printFailbackSummary(r, story.home);
    if (keep) r.print(`\nFiles kept in ${dir}`);
    return 0;
  } catch (err) {
    // Interrupted: what failed is only the interruption (the host stopping under a step); the signal handler reports.
    if (interrupted !== undefined) {
      await teardown(!keep);
      return interrupted;
    }
    const code = err instanceof ServiceError ? ` [${err.code}]` : '';
    const failed = r.steps.find((s) => !s.ok);
    r.print(`\nFAILED${failed ? ` at step ${r.steps.indexOf(failed) + 1} (${failed.title})` : ''}: ${(err as Error).message}${code}`);
    if (process.env.ASR_DEBUG === '1' && err instanceof Error) r.print(err.stack ?? '');
    if (system) r.print(`\nLast lines of the host log (${system.logFile}):\n${system.logTail(30)}`);
    await teardown(false);
    r.print(`\nEverything the demo started is stopped; its files are kept for a look in ${dir}`);
    return 1;
  }
}

/** The scenario, or a DemoTimeout naming the step it hung in (a hung job would otherwise wait forever). */
function withDeadline<T>(work: Promise<T>, deadline: number, r: DemoReporter): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ServiceError('DemoTimeout',
      `the demo did not finish within its time limit${r.running ? `; it was at "${r.running}"` : ''} (raise it with --timeout <seconds>)`)), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

function printFailbackSummary(r: DemoReporter, o: FailbackOutcome): void {
  r.print('\nThe way home (--failback)');
  r.print(`  Changed in the recovery site: ${formatBytes(o.bytesChanged)}; shipped back: ${formatBytes(o.bytesShipped)} (ratio ${(o.bytesShipped / o.bytesChanged).toFixed(3)})`);
  r.print(`  Failback (request -> every machine home): ${formatSeconds(o.failbackMs)}`);
  r.print(`  Primary disks verified: ${o.verdicts.filter((v) => v.verdict.identical).length}/${o.verdicts.length} identical to the recovered disks at shutdown${o.verdicts.some((v) => v.verdict.qemuImg) ? ' (qemu-img agrees)' : ''}`);
  r.print(`  After the reprotect the first sync shipped ${formatBytes(o.bytesAfterReprotect)} (deltas, no re-seed)`);
}

function printSummary(r: DemoReporter, o: DemoOutcome | undefined, boot: GuestBootOutcome | undefined): void {
  r.print('\nSummary');
  if (o) {
    r.print(`  Replication: ${o.cycles} cycles after the seed, ${(o.bytesReplicated / 1024 / 1024).toFixed(1)} MiB shipped in all`);
    r.print('  Achieved RPO per machine (test failover request time - cut time of the recovered point):');
    for (const x of o.rpo) {
      r.print(`    ${x.machine.padEnd(4)} recovered to the cut of ${x.pointTime}: RPO ${formatSeconds(x.rpoMs)} (came up as ${x.recoveredAs}${x.ips.length ? ` at ${x.ips.join(', ')}` : ''})`);
    }
    r.print(`  RTO of plan ${PLAN} (request -> every group up): ${formatSeconds(o.rtoMs)}, of which ${formatSeconds(o.manualWaitMs)} waiting on the manual action (resumed automatically)`);
    r.print(`  Disks verified: ${o.verdicts.filter((v) => v.verdict.identical).length}/${o.verdicts.length} identical to the source at the failover point${o.verdicts.some((v) => v.verdict.qemuImg) ? ' (qemu-img agrees)' : ''}`);
  }
  if (boot) {
    r.print(`  Recovered guest (drill on the qemu fabric): booted and answered ${formatSeconds(boot.verdictMs)} after the drill request (${boot.consoleLines} console lines), cleaned up after ${formatSeconds(boot.doneMs)}; HTTP answer ${boot.httpAnswer}`);
  }
  if (o) {
    r.print('  Plan steps (test failover job):');
    for (const t of o.planTasks) r.print(`    ${t.name.padEnd(48)} ${t.state.padEnd(10)} ${t.ms === undefined ? '' : formatSeconds(t.ms)}`);
  }
  r.print('  Demo steps:');
  r.steps.forEach((s, i) => r.print(`    ${String(i + 1).padStart(2)}. ${s.title.padEnd(100).slice(0, 100)} ${formatSeconds(s.ms)}`));
  r.print(`  Total: ${formatSeconds(r.elapsedMs())}`);
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
