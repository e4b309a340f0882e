import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { qemuImgAvailable, verifyRecoveredDisk } from '../../../demo/verifyRecoveredDisk';
import { buildFixedVhdFooter } from '../../../shared/disk';
import { tempDir } from '../../support/tempDir';

const ROOT = resolve(__dirname, '..', '..', '..');
const DEMO = join(ROOT, 'dist', 'demo', 'runDemo.js');

interface DemoRun { code: number | null; out: string; workDir: string }

/** Runs the compiled demo with its temp files under `tmp`; optionally sends `signal` once `when` appears in its output. */
function runDemo(tmp: string, env: Record<string, string> = {}, interrupt?: { when: RegExp; signal: NodeJS.Signals }, args: string[] = []): Promise<DemoRun> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [DEMO, ...args], { cwd: ROOT, env: { ...process.env, TMPDIR: tmp, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let sent = false;
    const onData = (d: Buffer) => {
      out += d.toString();
      if (interrupt && !sent && interrupt.when.test(out)) {
        sent = true;
        child.kill(interrupt.signal);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => done({ code, out, workDir: /Working directory: (\S+)/.exec(out)?.[1] ?? '' }));
  });
}

/** `npm test` builds dist/ (demo included) before jest runs; rebuilding here would rewrite files other suites load. */
function requireBuiltDemo(): void {
  if (!existsSync(DEMO)) throw new Error(`${DEMO} is missing: run \`npm run build\` (npm test does) first`);
}

/** Processes whose command line names `dir`: the host and emulators the demo started there. */
function processesUsing(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(dir)) found.push(`${pid}: ${cmd}`);
    } catch { /* gone */ }
  }
  return found;
}

/** Gives processes that are exiting a moment to disappear. */
async function settledProcessesUsing(dir: string): Promise<string[]> {
  for (let i = 0; i < 20; i++) {
    const left = processesUsing(dir);
    if (!left.length) return left;
    await new Promise((r) => setTimeout(r, 250));
  }
  return processesUsing(dir);
}

/**
 * `npm run demo` end to end, as a newcomer runs it: the compiled demo as a child process, its
 * own funclocal + emulators, the agent, the recovery plan, qemu-img (when installed) as judge.
 */
describe('npm run demo', () => {
  let tmp: { path: string; cleanup(): void };

  beforeAll(() => {
    tmp = tempDir('demo-test-');
    requireBuiltDemo();
  }, 180_000);
  afterAll(() => tmp?.cleanup());

  // One run of the whole story (--failback included) for both tests below: the three-tier story
  // before the way home is the same, and it was a minute of every CI run twice.
  let whole: Promise<DemoRun> | undefined;
  const wholeStory = () => (whole ??= runDemo(tmp.path, {}, undefined, ['--failback']));

  it('runs the whole story, verifies the recovered disks, prints RPO, RTO and steps, and leaves nothing running', async () => {
    const run = await wholeStory();
    expect({ code: run.code, tail: run.code === 0 ? '' : run.out.slice(-4000) }).toEqual({ code: 0, tail: '' });
    // The runbook got the plan context with the database up, and its callback was accepted.
    expect(run.out).toMatch(/runbook webhook called for Group2 \(Test failover\); machines up so far: shop-db-test at 10\.20\.1\.4/);
    expect(run.out).toMatch(/runbook called back: Succeeded .* service answered 202/);
    // The manual action waited, the user was told how to resume it, and it was resumed.
    expect(run.out).toMatch(/manual action "check-shop" waits/);
    expect(run.out).toMatch(/\$ asr job resume demo-vault [0-9a-f-]{36} --comment/);
    expect(run.out).toMatch(/done {4}Group 2: post-action check-shop/);
    // Groups in order: db before app before web.
    const order = ['done    Start db', 'done    Start app', 'done    Start web'].map((l) => run.out.indexOf(l));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    for (const m of ['db', 'app', 'web']) {
      expect(run.out).toMatch(new RegExp(`${m}: identical to the source at the last cycle; sha256 [0-9a-f]{16}…${qemuImgAvailable() ? '; qemu-img: identical' : ''}`));
      expect(run.out).toMatch(new RegExp(`^ {4}${m} +recovered to the cut of \\S+Z: RPO \\d+\\.\\d s \\(came up as shop-${m}-test at 10\\.20\\.\\d\\.4\\)$`, 'm'));
    }
    expect(run.out).toMatch(/RTO of plan shop \(request -> every group up\): \d+\.\d s/);
    expect(run.out).toMatch(/the plan allows TestFailover, PlannedFailover, UnplannedFailover again/);
    // The recovered guest boots under qemu on the second local system: its console lines as they came, the HTTP answer, the cleanup.
    const order1 = ['shop-web-test console> asr-guest: init: Linux ', 'shop-web-test console> asr-guest: init: data partition /dev/vda2', 'shop-web-test console> asr-guest: ready data=37 bytes sha256='].map((l) => run.out.indexOf(l));
    expect(order1.every((i) => i > 0)).toBe(true);
    expect([...order1].sort((a, b) => a - b)).toEqual(order1);
    expect(run.out).toMatch(/verdict after \d+\.\d s: Passed/);
    expect(run.out).toMatch(/shop-web-test: probe orders ok: .*: 200 "order 1001: paid\\norder 1002: shipped\\n"/);
    expect(run.out).toMatch(/cleaned up after \d+\.\d s: qemu stopped/);
    expect(run.out).toMatch(/Recovered guest \(drill on the qemu fabric\): booted and answered \d+\.\d s after the drill request \([1-9]\d* console lines\), cleaned up after \d+\.\d s; HTTP answer .*200 "order 1001/);
    expect(run.out).toMatch(/^ {2}Total: \d+\.\d s$/m);
    expect(await settledProcessesUsing(run.workDir)).toEqual([]);
    expect(existsSync(run.workDir)).toBe(false);
  }, 360_000);

  it('--failback goes on to the way home: failover, commit, the workload writes in the recovery site, failback, primary disks equal, reprotect', async () => {
    const run = await wholeStory();
    expect({ code: run.code, tail: run.code === 0 ? '' : run.out.slice(-4000) }).toEqual({ code: 0, tail: '' });
    expect(run.out).toMatch(/Fail back plan shop \(synchronize before failover\)/);
    expect(run.out).toMatch(/done {4}Group 3: Start the virtual machines in the primary site/);
    for (const m of ['db', 'app', 'web']) expect(run.out).toMatch(new RegExp(`${m}: the primary disk is identical to shop-${m}'s disk in the recovery site${qemuImgAvailable() ? '; qemu-img: identical' : ''}`));
    const ratio = Number(/shipped back: .* \(ratio (\d+\.\d+)\)/.exec(run.out)?.[1]);
    expect(ratio).toBeGreaterThanOrEqual(1);
    expect(ratio).toBeLessThanOrEqual(1.1);
    expect(run.out).toMatch(/Primary disks verified: 3\/3 identical/);
    expect(run.out).toMatch(/home again: the plan allows TestFailover, PlannedFailover, UnplannedFailover again/);
    expect(await settledProcessesUsing(run.workDir)).toEqual([]);
  }, 360_000);

  it('fails with exit 1 naming the step and the job error when a machine does not start, and stops what it started', async () => {
    const run = await runDemo(tmp.path, { ASR_LOCAL_FABRIC_FAULT_FAIL_START: 'shop-web-test' }, undefined, ['--no-boot']);
    expect(run.code).toBe(1);
    // --no-boot: the banner leaves the guest's boot out of the story.
    expect(run.out).toMatch(/^Site Recovery Functions demo: protect a three-tier app, replicate, test-fail it over, verify, clean up\.$/m);
    expect(run.out).toMatch(/FAILED at step \d+ \(Resume the manual action .*\): job [0-9a-f-]{36} failed: .*shop-web-test did not start.*\[MachineStartFailed\]/);
    expect(run.out).not.toMatch(/Summary/);
    expect(await settledProcessesUsing(run.workDir)).toEqual([]);
    expect(existsSync(join(run.workDir, 'funclocal.log'))).toBe(true); // kept for a look
  }, 240_000);

  it('fails with DemoTimeout naming the step when the story outlives --timeout', async () => {
    // 3 s: well inside starting the emulators and the host on any machine (a quiet CI machine ran the whole story in under 12 s).
    const run = await runDemo(tmp.path, {}, undefined, ['--timeout', '3']);
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/the demo did not finish within its time limit; it was at ".+" \(raise it with --timeout <seconds>\) \[DemoTimeout\]/);
    expect(await settledProcessesUsing(run.workDir)).toEqual([]);
  }, 120_000);

  it('--boot-only: stops everything on Ctrl-C (SIGINT) while the recovered guest boots, qemu included, and exits 130', async () => {
    // --boot-only: the three-tier story before the boot is the first test's; this one is about the boot.
    const run = await runDemo(tmp.path, {}, { when: /console> asr-guest: init/, signal: 'SIGINT' }, ['--boot-only']);
    expect(run.out).toMatch(/^Site Recovery Functions demo \(--boot-only\)/m);
    expect(run.out).not.toMatch(/Protect db/);
    expect(run.code).toBe(130);
    expect(run.out).toMatch(/SIGINT: stopping everything the demo started \(during "Drill plan shop-web now/);
    expect(await settledProcessesUsing(run.workDir)).toEqual([]);
    expect(existsSync(run.workDir)).toBe(false);
  }, 360_000);

  it('stops everything on Ctrl-C (SIGINT) and exits 130', async () => {
    const run = await runDemo(tmp.path, {}, { when: /Protect db: register it/, signal: 'SIGINT' });
    expect(run.code).toBe(130);
    expect(run.out).toMatch(/SIGINT: stopping everything the demo started/);
    expect(run.out).not.toMatch(/FAILED/);
    expect(await settledProcessesUsing(run.workDir)).toEqual([]);
    expect(existsSync(run.workDir)).toBe(false);
  }, 120_000);
});

describe('the demo\'s disk verdict', () => {
  let tmp: { path: string; cleanup(): void };
  beforeAll(() => { tmp = tempDir('demo-verdict-'); });
  afterAll(() => tmp?.cleanup());

  function vhdOf(data: Buffer): Buffer {
    return Buffer.concat([data, buildFixedVhdFooter({ virtualSize: data.length })]);
  }

  it('finds a single changed byte and a missing VHD footer', () => {
    const data = Buffer.alloc(1024 * 1024, 0x5a);
    writeFileSync(join(tmp.path, 'src.raw'), data);
    writeFileSync(join(tmp.path, 'same.vhd'), vhdOf(data));
    const changed = Buffer.from(data);
    changed[777_777] ^= 1;
    writeFileSync(join(tmp.path, 'changed.vhd'), vhdOf(changed));
    writeFileSync(join(tmp.path, 'nofooter.vhd'), Buffer.concat([data, Buffer.alloc(512)]));

    const same = verifyRecoveredDisk(join(tmp.path, 'src.raw'), join(tmp.path, 'same.vhd'));
    expect(same.identical).toBe(true);
    expect(same.recoveredSha256).toBe(same.expectedSha256);
    const diff = verifyRecoveredDisk(join(tmp.path, 'src.raw'), join(tmp.path, 'changed.vhd'));
    expect(diff).toMatchObject({ identical: false, firstDifference: 777_777 });
    expect(diff.recoveredSha256).not.toBe(diff.expectedSha256);
    expect(verifyRecoveredDisk(join(tmp.path, 'src.raw'), join(tmp.path, 'nofooter.vhd'))).toMatchObject({ identical: false, problem: expect.stringContaining('checksum') });
  });
});
