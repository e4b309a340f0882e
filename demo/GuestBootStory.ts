import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { AsrApiClient } from '../cli/api/AsrApiClient';
import { cliConfigFromEnv } from '../cli/api/CliConfig';
import { formatBytes } from '../cli/progress/formatBytes';
import { agentChannelFromEnv, protectItem } from '../shared/agent';
import { DemoError } from './DemoError';
import type { DemoReporter } from './DemoReporter';
import type { RunningLocalSystem } from './LocalSystem';

const ROOT = resolve(__dirname, '..', '..');
const VAULT = 'guest-vault';
const POLICY = 'demo-30s';
const ITEM = 'shop-web';
const PLAN = 'shop-web';
const SCHEDULE = 'nightly';
const FABRIC = 'demo-site';
const CONTAINER = 'demo-host';
/** What the source machine serves from its data partition; the recovered one must serve it too. */
export const GUEST_ORDERS = 'order 1001: paid\norder 1002: shipped\n';

/** What the summary reports about the boot. */
export interface GuestBootOutcome {
  /** Drill request → its verdict (the guest booted and answered). */
  verdictMs: number;
  /** Drill request → cleanup done. */
  doneMs: number;
  consoleLines: number;
  httpAnswer: string;
}

/** Why the boot cannot run here, or undefined when qemu and the guest's Debian packages are installed. */
export function guestBootUnavailable(): string | undefined {
  const onPath = (bin: string) => (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, bin)));
  if (!onPath('qemu-system-x86_64')) return 'qemu-system-x86_64 is not installed (Debian: qemu-system-x86)';
  if (!onPath('qemu-img')) return 'qemu-img is not installed (Debian: qemu-utils)';
  try {
    execFileSync('dpkg-query', ['-W', 'linux-image-amd64', 'busybox-static', 'syslinux', 'syslinux-common', 'mtools', 'dosfstools'], { stdio: 'ignore' });
  } catch {
    return 'the guest\'s Debian packages are not all installed (linux-image-amd64 busybox-static syslinux syslinux-common mtools dosfstools, docs/guest.md)';
  }
  return undefined;
}

/**
 * The recovered machine boots: a second local system whose target fabric is qemu
 * (`ASR_TARGET_FABRIC=qemu`), the test guest of docs/guest.md as the source machine (built from
 * Debian packages by scripts/build-guest.sh) serving orders from its own disk, protected by the
 * agent, and a drill of its plan run now (`asr drill run`): the recovered guest boots under qemu
 * (TCG) from a copy-on-write overlay, its console lines are shown as they come, the HTTP probe
 * must get the orders back, then the drill cleans up. Driven through the API and the agent only;
 * the console is read from the file qemu writes it to, as an operator would tail it.
 */
export class GuestBootStory {
  constructor(
    private readonly r: DemoReporter,
    private readonly dir: string,
    private readonly start: (dataDir: string, env: Record<string, string>) => Promise<RunningLocalSystem>,
  ) {}

  async run(): Promise<GuestBootOutcome> {
    const { r } = this;
    const source = await r.step('Build the test guest from Debian packages and make it the source machine shop-web', async () => {
      r.hint('scripts/build-guest.sh   # cached after the first build');
      const image = execFileSync(join(ROOT, 'scripts', 'build-guest.sh'), { encoding: 'utf8' }).trim();
      const disk = readFileSync(image);
      // The served data lives on partition 2 (MBR entry 2: its first sector, little-endian at byte 8 of the entry).
      const dataOffset = disk.readUInt32LE(446 + 16 + 8) * 512;
      Buffer.from(GUEST_ORDERS).copy(disk, dataOffset);
      mkdirSync(join(this.dir, 'source-disks'), { recursive: true });
      const path = join(this.dir, 'source-disks', `${ITEM}.raw`);
      writeFileSync(path, disk);
      r.note(`${ITEM}: ${path} (${formatBytes(disk.length)}: syslinux, Debian's kernel, a busybox init that serves its data partition over HTTP)`);
      r.note(`its data partition holds: ${JSON.stringify(GUEST_ORDERS)}`);
      return { path, bytes: disk.length };
    }, (s) => `${formatBytes(s.bytes)} bootable disk`);

    const dataDir = join(this.dir, 'qemu-site');
    mkdirSync(dataDir, { recursive: true });
    const system = await r.step('Start a second local system whose recovered machines boot (ASR_TARGET_FABRIC=qemu)', () => this.start(dataDir, { ASR_TARGET_FABRIC: 'qemu' }),
      (s) => `API at ${s.baseUrl}; qemu state (overlays, consoles) in ${join(dataDir, 'qemu')}`);
    const env = { ...process.env, ...system.env };
    const api = new AsrApiClient(cliConfigFromEnv(env));
    const V = api.vaultPath(VAULT);
    const itemId = `${V}/replicationFabrics/${FABRIC}/replicationProtectionContainers/${CONTAINER}/replicationProtectedItems/${ITEM}`;
    const stateDir = join(dataDir, 'agent-state');

    await r.step(`Protect ${ITEM} in vault ${VAULT}, with an application probe: GET /data.txt must answer the orders`, async () => {
      r.hint(`asr vault create ${VAULT} && asr policy create ${VAULT} ${POLICY} --interval 30 --retention-hours 1`);
      await api.put(V, { location: 'local' });
      await api.put(`${V}/replicationPolicies/${POLICY}`, {
        properties: { providerSpecificInput: { instanceType: 'HyperVReplicaAzure', replicationInterval: 30, recoveryPointHistoryDuration: 1, applicationConsistentSnapshotFrequencyInHours: 0, encryption: 'Disabled' } },
      });
      r.hint(`asr agent protect ${VAULT} ${ITEM} --disk ${source.path} --policy ${POLICY} --fabric ${FABRIC} --container ${CONTAINER}`);
      const channel = await agentChannelFromEnv(api, { stateDir, vault: VAULT, register: true }, env);
      const res = await protectItem(api, channel, { vault: VAULT, item: ITEM, diskPaths: [source.path], policy: POLICY, stateDir, fabric: FABRIC, container: CONTAINER, merge: { pollMs: 250 } });
      await api.patch(itemId, { properties: {
        recoveryAzureVMName: ITEM,
        applicationProbes: [{ kind: 'http', name: 'orders', port: 80, path: '/data.txt', contains: GUEST_ORDERS }],
      } });
      await api.put(`${V}/replicationRecoveryPlans/${PLAN}`, {
        properties: { primaryFabricId: `${V}/replicationFabrics/${FABRIC}`, recoveryFabricId: 'Microsoft Azure', groups: [{ groupType: 'Boot', replicationProtectedItems: [{ id: itemId }] }] },
      });
      return res.bytesUploaded;
    }, (bytes) => `seeded ${formatBytes(bytes)} (only written blocks travel); plan ${PLAN} holds it`);

    const schedule = `${V}/replicationRecoveryPlans/${PLAN}/drillSchedules/${SCHEDULE}`;
    const outcome = await r.step(`Drill plan ${PLAN} now: the recovered guest boots under qemu (TCG), its probe must get the orders, then cleanup`, async () => {
      r.hint(`asr drill schedule ${VAULT} ${PLAN} ${SCHEDULE} --cron '0 0 2 * * *' --network shop-test-vnet --verify probes --keep-up 0s --disable`);
      await api.put(schedule, { properties: { schedule: '0 0 2 * * *', enabled: false, verification: 'ApplicationProbes', keepUpSeconds: 0, testNetworkId: 'shop-test-vnet' } });
      r.hint(`asr drill run ${VAULT} ${PLAN} ${SCHEDULE} --wait`);
      const t0 = Date.now();
      const started = await api.post(`${schedule}/run`, {}) as { name?: string };
      if (!started?.name) throw new DemoError('DrillNotStarted', `the drill run answered without a run name: ${JSON.stringify(started)}`);
      const consoles = new ConsoleTail(join(dataDir, 'qemu'), (machine, line) => r.note(`${machine} console> ${line}`));
      let verdictMs: number | undefined;
       
      let run: any;
      for (;;) {
        consoles.poll();
        run = await api.get(`${schedule}/drillRuns/${encodeURIComponent(started.name)}`);
        const p = run.properties;
        if (verdictMs === undefined && p.result) {
          verdictMs = Date.now() - t0;
          r.note(`verdict after ${(verdictMs / 1000).toFixed(1)} s: ${p.result}${p.reason ? ` (${p.reason})` : ''}`);
          for (const m of p.machines ?? []) {
            for (const c of m.checks ?? []) if (c.name === 'serialConsole') r.note(`${m.machineName}: console check ${c.ok ? 'ok' : 'FAILED'}: ${c.detail}`);
            for (const pr of m.probes ?? []) r.note(`${m.machineName}: probe ${pr.name} ${pr.ok ? 'ok' : 'FAILED'}: ${pr.detail}`);
          }
        }
        if (p.phase === 'Done') break;
        if (Date.now() - t0 > 300_000) throw new DemoError('DrillTimeout', `the drill did not end within 300 s (phase ${p.phase})`);
        await new Promise((res) => setTimeout(res, 250));
      }
      consoles.poll();
      const p = run.properties;
      if (p.result !== 'Passed') throw new DemoError('DrillFailed', `the drill ${p.result}: ${p.reason ?? JSON.stringify(p.failures)}`);
      if (p.cleanupState !== 'Succeeded') throw new DemoError('CleanupIncomplete', `the drill's cleanup is ${p.cleanupState}`);
      const probe = p.machines?.[0]?.probes?.find((x: { name: string }) => x.name === 'orders');
      r.note(`cleaned up after ${((Date.now() - t0) / 1000).toFixed(1)} s: qemu stopped, overlay and test machine removed`);
      return { verdictMs: verdictMs ?? Date.now() - t0, doneMs: Date.now() - t0, consoleLines: consoles.lines, httpAnswer: String(probe?.detail ?? '') };
    }, (o) => `the recovered guest booted and answered in ${(o.verdictMs / 1000).toFixed(1)} s (${o.consoleLines} console lines); drill Passed, cleaned up`);

    await r.step('Stop the second local system', () => system.stop());
    return outcome;
  }
}

/** Prints each machine's new console lines (the files qemu writes under `{stateDir}/{rg}/{machine}/console.log`). */
class ConsoleTail {
  private readonly seen = new Map<string, number>();
  lines = 0;

  constructor(private readonly stateDir: string, private readonly out: (machine: string, line: string) => void) {}

  poll(): void {
    if (!existsSync(this.stateDir)) return;
    for (const rg of readdirSync(this.stateDir)) {
      for (const machine of readdirSync(join(this.stateDir, rg))) {
        let text: string;
        try {
          text = readFileSync(join(this.stateDir, rg, machine, 'console.log'), 'latin1');
        } catch {
          continue; // not written yet, or removed by the cleanup
        }
        const from = this.seen.get(machine) ?? 0;
        const end = text.lastIndexOf('\n') + 1; // whole lines only
        if (end <= from) continue;
        for (const line of text.slice(from, end).replace(/\r/g, '').split('\n').slice(0, -1)) {
           
          const clean = line.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '').trimEnd();
          if (!clean) continue;
          this.lines++;
          this.out(machine, clean);
        }
        this.seen.set(machine, end);
      }
    }
  }
}
