import { mkdirSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AsrApiClient, type ArmResource } from '../cli/api/AsrApiClient';
import { cliConfigFromEnv } from '../cli/api/CliConfig';
import { jobNameOf, postAction, watchJob } from '../cli/commands/job';
import { pointDetails } from '../cli/commands/planActions';
import { formatBytes } from '../cli/progress/formatBytes';
import { agentChannelFromEnv, protectItem, syncItem, type CycleReport, type ReplicaChannel } from '../shared/agent';
import { DemoError } from './DemoError';
import { FailbackStory, type FailbackOutcome } from './FailbackStory';
import type { DemoReporter } from './DemoReporter';
import { DEMO_RUNBOOK_ID, demoPlanBody } from './demoPlan';
import type { RunningLocalSystem } from './LocalSystem';
import type { RunbookWebhook } from './RunbookWebhook';
import { changeSampleMachines, createSampleMachines, LATE_WRITE, snapshotDisk, writeAfterLastCycle, type SampleMachine } from './SampleMachine';
import { qemuImgAvailable, verifyRecoveredDisk, type DiskVerdict } from './verifyRecoveredDisk';

export const VAULT = 'demo-vault';
export const POLICY = 'demo-30s';
export const PLAN = 'shop';
const FABRIC = 'demo-site';
const CONTAINER = 'demo-host';
const TARGET_IPS: Record<string, string> = { db: '10.20.1.4', app: '10.20.2.4', web: '10.20.3.4' };

interface Task { taskId: string; friendlyName: string; state: string; stateDescription: string; startTime?: string; endTime?: string; customDetails?: Record<string, any>; groupTaskCustomDetails?: { childTasks: Task[] } }

const flatten = (tasks: Task[]): Task[] => tasks.flatMap((t) => [t, ...flatten(t.groupTaskCustomDetails?.childTasks ?? [])]);
const taskMs = (t: Task) => (t.startTime && t.endTime ? Date.parse(t.endTime) - Date.parse(t.startTime) : undefined);

/** What the summary reports. */
export interface DemoOutcome {
  rpo: { machine: string; recoveredAs: string; ips: string[]; pointTime: string; rpoMs: number }[];
  rtoMs: number;
  manualWaitMs: number;
  verdicts: { machine: string; verdict: DiskVerdict }[];
  cycles: number;
  bytesReplicated: number;
  planTasks: { name: string; ms?: number; state: string }[];
}

/**
 * The demo's story, step by step, driven the way a user would: the agent's commands
 * (`asr agent protect|sync`, in-process), the CLI's API client and job helpers, and the
 * ARM-shaped HTTP API. Nothing here reads the service's storage behind its back: the only
 * storage access is the agent's own upload of replica logs, as a real agent does.
 */
export class DemoScenario {
  private readonly api: AsrApiClient;
  private readonly env: NodeJS.ProcessEnv;
  private channel: Promise<ReplicaChannel> | undefined;
  private readonly V: string;
  private machines: SampleMachine[] = [];
  private readonly itemIds: Record<string, string> = {};
  private readonly expected: Record<string, string> = {};
  private bytesReplicated = 0;
  /** Job lines already shown, so following a job again after a resume prints only what is new. */
  private readonly shown = new Set<string>();

  constructor(
    private readonly system: RunningLocalSystem,
    private readonly runbook: RunbookWebhook,
    private readonly r: DemoReporter,
    private readonly dir: string,
    private readonly cycles = 3,
  ) {
    const env = { ...process.env, ...system.env };
    this.api = new AsrApiClient(cliConfigFromEnv(env));
    this.env = env;
    this.V = this.api.vaultPath(VAULT);
  }

  /**
   * The agent's way to the replica, as `asr agent protect` takes it: this host registers as a
   * source site of the vault on first use (a registration key issued with the operator's token)
   * and then ships each log through a create-only upload URL; it holds no storage credential.
   */
  private replicaChannel(): Promise<ReplicaChannel> {
    this.channel ??= agentChannelFromEnv(this.api, { stateDir: this.stateDir(), vault: VAULT, register: true }, this.env);
    return this.channel;
  }

  async run(): Promise<DemoOutcome> {
    const { r } = this;
    const disksDir = join(this.dir, 'source-disks');
    mkdirSync(disksDir, { recursive: true });
    await r.step('Create the sample three-tier application (three raw disk images)', async () => {
      this.machines = createSampleMachines(disksDir);
      for (const m of this.machines) r.note(`${m.name.padEnd(3)} ${m.role}: ${m.path} (${formatBytes(m.sizeBytes)}, raw)`);
    });

    await r.step(`Create vault ${VAULT} and a 30 s replication policy ${POLICY}`, async () => {
      r.hint(`asr vault create ${VAULT}`);
      await this.api.put(this.V, { location: 'local' });
      r.hint(`asr policy create ${VAULT} ${POLICY} --interval 30 --retention-hours 1`);
      await this.api.put(`${this.V}/replicationPolicies/${POLICY}`, {
        properties: { providerSpecificInput: { instanceType: 'HyperVReplicaAzure', replicationInterval: 30, recoveryPointHistoryDuration: 1, applicationConsistentSnapshotFrequencyInHours: 0, encryption: 'Disabled' } },
      });
    });

    for (const m of this.machines) {
      await r.step(`Protect ${m.name}: register it, seed its replica`, async () => {
        r.hint(`asr agent protect ${VAULT} ${m.name} --disk ${m.path} --policy ${POLICY} --fabric ${FABRIC} --container ${CONTAINER} --state-dir ${this.stateDir()}`);
        const res = await protectItem(this.api, await this.replicaChannel(), {
          vault: VAULT, item: m.name, diskPaths: [m.path], policy: POLICY, stateDir: this.stateDir(), fabric: FABRIC, container: CONTAINER, merge: { pollMs: 250 },
        });
        this.bytesReplicated += res.bytesUploaded;
        this.itemIds[m.name] = `${this.V}/replicationFabrics/${FABRIC}/replicationProtectionContainers/${CONTAINER}/replicationProtectedItems/${m.name}`;
        r.note(`target: VM shop-${m.name} in network shop-vnet at ${TARGET_IPS[m.name]}`);
        await this.api.patch(this.itemIds[m.name], { properties: {
          recoveryAzureVMName: `shop-${m.name}`, selectedRecoveryAzureNetworkId: 'shop-vnet',
          vmNics: [{ ipConfigs: [{ isPrimary: true, recoverySubnetName: 'default', recoveryStaticIPAddress: TARGET_IPS[m.name] }] }],
        } });
        return res.bytesUploaded;
      }, (bytes) => `seeded ${formatBytes(bytes)} of ${formatBytes(m.sizeBytes)} (only written blocks travel), merged into the replica`);
    }

    await r.step(`Create recovery plan ${PLAN}: db, then app (runbook before, manual check after), then web`, async () => {
      const body = demoPlanBody(this.V, FABRIC, { db: this.itemIds.db, app: this.itemIds.app, web: this.itemIds.web });
      await this.api.put(`${this.V}/replicationRecoveryPlans/${PLAN}`, body);
      r.note('Group 1: db');
      r.note(`Group 2: runbook ${DEMO_RUNBOOK_ID} (its webhook is set in ASR_RUNBOOK_WEBHOOKS), app, manual action check-shop`);
      r.note('Group 3: web');
    });

    for (let cycle = 1; cycle <= this.cycles; cycle++) {
      const last = cycle === this.cycles;
      await r.step(`Replication cycle ${cycle}/${this.cycles}: the application writes, the agent ships the changes`, async () => {
        for (const line of changeSampleMachines(this.machines, cycle)) r.note(`wrote ${line}`);
        // The expected content of a recovery from the last cycle: the disks exactly as the agent cuts them.
        if (last) for (const m of this.machines) this.expected[m.name] = snapshotDisk(m, this.dir, 'at-last-cycle');
        r.hint(`asr agent sync ${VAULT} <db|app|web> --state-dir ${this.stateDir()}`);
        const channel = await this.replicaChannel();
        const reports = await Promise.all(this.machines.map((m) => syncItem(channel, { vault: VAULT, item: m.name, stateDir: this.stateDir(), merge: { pollMs: 250 } })));
        reports.forEach((rep, i) => r.note(describeCycle(this.machines[i].name, rep)));
        const bytes = reports.reduce((s, rep) => s + rep.bytesUploaded, 0);
        this.bytesReplicated += bytes;
        return bytes;
      }, (bytes) => `${formatBytes(bytes)} shipped and merged`);
    }

    const lateOffset = await r.step('The application keeps writing after the last cycle (not replicated: this is the RPO)', async () => {
      const at = writeAfterLastCycle(this.machines);
      r.note(`wrote "${LATE_WRITE}" at offset ${at} of every disk`);
      return at;
    });

    const requestedAt = Date.now();
    const testJob = await r.step(`Test failover of plan ${PLAN} (isolated test network), up to the manual action`, async () => {
      r.hint(`asr plan test-failover ${VAULT} ${PLAN} --point latest --network shop-test-vnet --wait`);
      const res = await postAction(this.api, `${this.V}/replicationRecoveryPlans/${PLAN}/testFailover`, {
        properties: { failoverDirection: 'PrimaryToRecovery', networkType: 'VmNetworkAsInput', networkId: 'shop-test-vnet', providerSpecificDetails: [{ instanceType: 'HyperVReplicaAzure', ...pointDetails('latest') }] },
      }, 'Operator');
      const job = jobNameOf(res);
      r.note(`job ${job} started`);
      const j = await this.follow(job);
      const waiting = this.suspendedManualAction(j);
      if (!waiting) throw new DemoError('ManualActionNotReached', `the job stopped (${j.properties.state}: ${j.properties.stateDescription}) without waiting on the manual action check-shop`);
      r.note(`manual action "${waiting.customDetails?.name ?? waiting.friendlyName}" waits: ${waiting.customDetails?.instructions ?? waiting.stateDescription}`);
      return job;
    }, (job) => `job ${job} suspended, Resume allowed`);

    await r.step('Resume the manual action (the demo does it for you) and bring up the web tier', async () => {
      r.note('By hand you would check the shop, then run:');
      r.hint(`asr job resume ${VAULT} ${testJob} --comment "test order placed"`);
      await postAction(this.api, `${this.V}/replicationJobs/${encodeURIComponent(testJob)}/resume`, { properties: { comments: 'test order placed (resumed by npm run demo)' } }, 'Operator');
      const j = await this.follow(testJob);
      if (j.properties.stateDescription !== 'WaitingForStopTestFailover') {
        throw new DemoError('TestFailoverIncomplete', `job ${testJob} is ${j.properties.state} (${j.properties.stateDescription}), expected it to wait for cleanup with every machine up`);
      }
    }, () => 'all three machines are up in the test network; the job waits for cleanup');

    const verdicts = await r.step('Verify the recovered disks against the sources at the failover point', async () => {
      r.note(qemuImgAvailable()
        ? 'judges: byte compare + SHA-256, and qemu-img compare (installed) as the independent one'
        : 'judges: byte compare + SHA-256 (install qemu-utils to have qemu-img compare judge too)');
      const out: { machine: string; verdict: DiskVerdict }[] = [];
      for (const m of this.machines) {
        r.hint(`asr item export-disk ${VAULT} ${m.name} --disk 0 --from test-failover --out ${m.name}-recovered.vhd`);
        const file = await this.exportDisk(m.name);
        const verdict = verifyRecoveredDisk(this.expected[m.name], file);
        out.push({ machine: m.name, verdict });
        r.note(`${m.name}: ${verdict.identical ? 'identical' : 'DIFFERENT'} to the source at the last cycle; sha256 ${verdict.recoveredSha256.slice(0, 16)}…` +
          `${verdict.qemuImg ? `; qemu-img: ${verdict.qemuImg}` : ''}${verdict.identical ? `; the late write at ${lateOffset} is absent` : ''}` +
          `${verdict.firstDifference !== undefined ? `; first difference at byte ${verdict.firstDifference}` : ''}${verdict.problem ? `; ${verdict.problem}` : ''}`);
      }
      const bad = out.filter((o) => !o.verdict.identical);
      if (bad.length) throw new DemoError('RecoveredDiskMismatch', `recovered disk of ${bad.map((b) => b.machine).join(', ')} differs from the source at the failover point (see above)`);
      return out;
    }, (o) => `${o.length} of ${o.length} disks identical`);

    await r.step(`Clean up the test failover`, async () => {
      r.hint(`asr plan cleanup ${VAULT} ${PLAN} --comments "demo ok" --wait`);
      const res = await postAction(this.api, `${this.V}/replicationRecoveryPlans/${PLAN}/testFailoverCleanup`, { properties: { comments: 'demo ok' } }, 'Operator');
      const cleanup = jobNameOf(res);
      const j = await this.follow(cleanup);
      if (j.properties.state !== 'Succeeded') throw new DemoError('CleanupIncomplete', `cleanup job ${cleanup} is ${j.properties.state} (${j.properties.stateDescription})`);
      const test = await this.api.get(`${this.V}/replicationJobs/${encodeURIComponent(testJob)}`);
      if (test.properties.state !== 'Succeeded') throw new DemoError('TestJobNotFinished', `after cleanup the test failover job is ${test.properties.state}, expected Succeeded`);
      const plan = await this.api.get(`${this.V}/replicationRecoveryPlans/${PLAN}`);
      return (plan.properties.allowedOperations ?? []) as string[];
    }, (allowed) => `test machines and disks removed; the plan allows ${allowed.join(', ')} again`);

    // The test job as it ended (its last task finishes with the cleanup).
    const job = await this.api.get(`${this.V}/replicationJobs/${encodeURIComponent(testJob)}`);
    return { ...this.measure(job, requestedAt), verdicts, cycles: this.cycles, bytesReplicated: this.bytesReplicated };
  }

  /** `--failback`: after the test failover, the way home (demo/FailbackStory.ts). */
  failback(): Promise<FailbackOutcome> {
    return new FailbackStory({
      api: this.api, V: this.V, vault: VAULT, plan: PLAN, r: this.r, dir: this.dir, machines: this.machines, itemIds: this.itemIds,
      channel: () => this.replicaChannel(), stateDir: this.stateDir(), dataDir: this.system.env.ASR_DATA_DIR,
      follow: (job) => this.follow(job), suspendedManualAction: (j) => this.suspendedManualAction(j),
    }).run();
  }

  private stateDir(): string {
    return join(this.dir, 'agent-state');
  }

  /** Follows a job as `--wait` does, printing its steps as they finish, until it ends or waits. */
  private follow(job: string): Promise<ArmResource> {
    return watchJob(this.api, VAULT, job, {
      out: (line) => {
        if (this.shown.has(`${job} ${line}`)) return;
        this.shown.add(`${job} ${line}`);
        this.r.note(line);
      },
      pollMs: 500,
    });
  }

  private suspendedManualAction(j: ArmResource): Task | undefined {
    return flatten(j.properties.tasks as Task[]).find((t) => t.state === 'Suspended' && t.customDetails?.instanceType === 'ManualActionTaskDetails');
  }

  /** `asr item export-disk`: the API hands out a read-only URL of the recovered disk; download it. */
  private async exportDisk(item: string): Promise<string> {
    const res = await postAction(this.api, `${this.itemIds[item]}/exportDisk`, { properties: { diskId: 'disk0', from: 'TestFailover' } }, 'Operator');
    const url = (res.body?.properties as { url?: string } | undefined)?.url;
    if (!url) throw new DemoError('ExportFailed', `export of ${item}'s disk answered without a URL: ${JSON.stringify(res.body)}`);
    const download = await fetch(url);
    if (!download.ok || !download.body) throw new DemoError('ExportFailed', `downloading ${item}'s recovered disk failed with HTTP ${download.status}`);
    const file = join(this.dir, `${item}-recovered.vhd`);
    await pipeline(Readable.fromWeb(download.body as never), createWriteStream(file));
    return file;
  }

  /** RPO per machine (request time − the recovered point's cut), RTO (request → last group up), the plan's steps. */
  private measure(job: ArmResource, requestedAt: number): Pick<DemoOutcome, 'rpo' | 'rtoMs' | 'manualWaitMs' | 'planTasks'> {
    const tasks = job.properties.tasks as Task[];
    const all = flatten(tasks);
    const rpo: DemoOutcome['rpo'] = [];
    for (const m of this.machines) {
      const t = all.find((x) => x.customDetails?.machineName && String(x.customDetails.machineName).startsWith(`shop-${m.name}`));
      const times = ((t?.customDetails?.disks ?? []) as { pointTime?: string }[]).map((d) => d.pointTime).filter((x): x is string => !!x);
      if (!times.length) throw new DemoError('NoRecoveryPoint', `the job does not say which point ${m.name} was recovered from (task ${t?.taskId ?? 'missing'})`);
      const oldest = times.map((x) => Date.parse(x)).reduce((a, b) => Math.min(a, b));
      rpo.push({
        machine: m.name, recoveredAs: String(t!.customDetails!.machineName), ips: (t!.customDetails!.ipAddresses ?? []) as string[],
        pointTime: new Date(oldest).toISOString(), rpoMs: requestedAt - oldest,
      });
    }
    const groups = tasks.filter((t) => t.groupTaskCustomDetails);
    const lastUp = Math.max(...groups.map((g) => Date.parse(g.endTime ?? '')).filter((x) => !Number.isNaN(x)));
    const manual = all.find((t) => t.customDetails?.instanceType === 'ManualActionTaskDetails');
    return {
      rpo,
      rtoMs: lastUp - requestedAt,
      manualWaitMs: (manual && taskMs(manual)) ?? 0,
      planTasks: tasks.map((t) => ({ name: t.friendlyName, ms: taskMs(t), state: t.state })),
    };
  }
}

function describeCycle(machine: string, r: CycleReport): string {
  const d = r.disks.map((x) => `log ${x.sequence}: ${x.changedBlocks} changed blocks, ${formatBytes(x.payloadBytes)}${x.skippedByStamp ? ' (untouched, not read)' : `, read ${formatBytes(x.bytesRead)}`}`).join('; ');
  return `${machine}: cut ${new Date(r.cutTimeMs).toISOString()} ${d}`;
}

