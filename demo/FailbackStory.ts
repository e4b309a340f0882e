import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BlobServiceClient, type BlobClient, type ContainerClient } from '@azure/storage-blob';
import type { AsrApiClient, ArmResource } from '../cli/api/AsrApiClient';
import { failbackBody } from '../cli/commands/failback';
import { jobNameOf, postAction } from '../cli/commands/job';
import { formatBytes } from '../cli/progress/formatBytes';
import { findRunningEmulators } from '../devhost/emulators/findRunningEmulators';
import { syncFailback, syncItem, type ReplicaChannel } from '../shared/agent';
import { FABRIC_CONTAINERS } from '../shared/fabric/FabricDiskLayout';
import { DemoError } from './DemoError';
import type { DemoReporter } from './DemoReporter';
import type { SampleMachine } from './SampleMachine';
import { verifyRecoveredDisk, type DiskVerdict } from './verifyRecoveredDisk';

/** What the failback part of the summary reports. */
export interface FailbackOutcome {
  /** Bytes the workload wrote in the recovery site, and bytes the failback shipped home for them. */
  bytesChanged: number;
  bytesShipped: number;
  /** Failback request → the job ended (every machine home). */
  failbackMs: number;
  verdicts: { machine: string; verdict: DiskVerdict }[];
  /** Bytes the first forward sync after the reprotect shipped (deltas only, no re-seed). */
  bytesAfterReprotect: number;
}

export interface FailbackStoryContext {
  api: AsrApiClient;
  /** The vault's ARM path. */
  V: string;
  vault: string;
  plan: string;
  r: DemoReporter;
  dir: string;
  machines: SampleMachine[];
  itemIds: Record<string, string>;
  channel(): Promise<ReplicaChannel>;
  stateDir: string;
  dataDir: string;
  follow(job: string): Promise<ArmResource>;
  suspendedManualAction(job: ArmResource): unknown;
}

/** Blocks the workload writes per machine while it runs in the recovery site. */
const WORKLOAD_BLOCKS = 64;
const BLOCK = 4096;
const ended = (j: ArmResource) => ['Succeeded', 'Failed', 'Cancelled'].includes(String(j.properties.state));

interface Task { customDetails?: Record<string, unknown>; groupTaskCustomDetails?: { childTasks: Task[] } }
const flatten = (tasks: Task[]): Task[] => tasks.flatMap((t) => [t, ...flatten(t.groupTaskCustomDetails?.childTasks ?? [])]);

/**
 * `npm run demo -- --failback`: the way home after the test failover (docs/failback.md). The
 * plan fails over for real and is committed; the shop runs in the recovery site and writes;
 * the plan fails back with ForSynchronization while the agent on the primary host serves the
 * rounds (`asr agent sync`); the primary disks must equal the recovered ones at shutdown; the
 * failback is committed, the plan reprotected, and forward replication goes on by deltas.
 */
export class FailbackStory {
  private disks: ContainerClient | undefined;

  constructor(private readonly c: FailbackStoryContext) {}

  async run(): Promise<FailbackOutcome> {
    const { c } = this;
    const { r } = c;
    const planPath = `${c.V}/replicationRecoveryPlans/${c.plan}`;

    await r.step(`Fail over plan ${c.plan} for real (unplanned, latest point) and commit`, async () => {
      r.hint(`asr plan failover ${c.vault} ${c.plan} --point latest --wait   # then: asr plan commit ${c.vault} ${c.plan} --wait`);
      const job = jobNameOf(await postAction(c.api, `${planPath}/unplannedFailover`, {
        properties: { failoverDirection: 'PrimaryToRecovery', sourceSiteOperations: 'NotRequired', providerSpecificDetails: [{ instanceType: 'HyperVReplicaAzure', recoveryPointType: 'Latest' }] },
      }, 'Contributor'));
      let j = await c.follow(job);
      if (c.suspendedManualAction(j)) {
        r.hint(`asr job resume ${c.vault} ${job} --comment "shop checked"`);
        await postAction(c.api, `${c.V}/replicationJobs/${encodeURIComponent(job)}/resume`, { properties: { comments: 'shop checked (resumed by npm run demo)' } }, 'Operator');
        j = await c.follow(job);
      }
      if (j.properties.state !== 'Succeeded') throw new DemoError('FailoverIncomplete', `failover job ${job} is ${j.properties.state} (${j.properties.stateDescription})`);
      const commit = jobNameOf(await postAction(c.api, `${planPath}/failoverCommit`, {}, 'Contributor'));
      const k = await c.follow(commit);
      if (k.properties.state !== 'Succeeded') throw new DemoError('CommitIncomplete', `commit job ${commit} is ${k.properties.state} (${k.properties.stateDescription})`);
    }, () => 'the shop runs in the recovery site; the primary site is repaired and waits');

    const bytesChanged = await r.step(`The shop runs in the recovery site and writes (${WORKLOAD_BLOCKS} blocks per machine)`, async () => {
      let n = 0;
      for (const m of c.machines) {
        // The recovered machine's disk is the fabric's page blob: the workload writes to it as a VM does.
        const blob = this.recoveredDisk(m.name).getPageBlobClient();
        const blocks = m.sizeBytes / BLOCK;
        for (let i = 0; i < WORKLOAD_BLOCKS; i++) {
          const block = (i * 7919 + 13) % blocks;
          const page = Buffer.alloc(BLOCK, 0x20);
          page.write(`${m.name} wrote this in the recovery site, block ${block}\n`);
          await blob.uploadPages(page, block * BLOCK, BLOCK);
          n += BLOCK;
        }
        r.note(`shop-${m.name}: ${WORKLOAD_BLOCKS} blocks written to its disk in the recovery site`);
      }
      return n;
    }, (n) => `${formatBytes(n)} changed in the recovery site`);

    const requestedAt = Date.now();
    const failback = await r.step(`Fail back plan ${c.plan} (synchronize before failover), the agent serving the rounds`, async () => {
      r.hint(`asr plan failback ${c.vault} ${c.plan} --sync before --wait   # on the primary host: asr agent run (or asr agent sync)`);
      const job = jobNameOf(await postAction(c.api, `${planPath}/plannedFailover`, await failbackBody({ sync: 'before' }), 'Contributor'));
      let done = false;
      const serving = Promise.all(c.machines.map((m) => this.serveRounds(m.name, () => done)));
      let j: ArmResource;
      try {
        j = await c.follow(job);
        while (!ended(j)) j = await c.follow(job);
      } finally {
        done = true;
        await serving;
      }
      if (j.properties.state !== 'Succeeded') throw new DemoError('FailbackIncomplete', `failback job ${job} is ${j.properties.state} (${j.properties.stateDescription})`);
      const shipped = flatten(j.properties.tasks as Task[]).reduce((s, t) => s + Number(t.customDetails?.bytesShipped ?? 0), 0);
      return { job, shipped, ms: Date.now() - requestedAt };
    }, (f) => `every machine is home; ${formatBytes(f.shipped)} shipped back`);

    const verdicts = await r.step('Verify the primary disks against the recovered disks at shutdown', async () => {
      const out: { machine: string; verdict: DiskVerdict }[] = [];
      for (const m of c.machines) {
        const file = await this.downloadRecoveredDisk(m.name);
        const verdict = verifyRecoveredDisk(m.path, file);
        out.push({ machine: m.name, verdict });
        r.note(`${m.name}: the primary disk is ${verdict.identical ? 'identical' : 'DIFFERENT'} to shop-${m.name}'s disk in the recovery site${verdict.qemuImg ? `; qemu-img: ${verdict.qemuImg}` : ''}${verdict.problem ? `; ${verdict.problem}` : ''}`);
      }
      const bad = out.filter((o) => !o.verdict.identical);
      if (bad.length) throw new DemoError('PrimaryDiskMismatch', `the primary disk of ${bad.map((b) => b.machine).join(', ')} differs from the recovered one`);
      return out;
    }, (o) => `${o.length} of ${o.length} primary disks identical to the recovered ones`);

    await r.step(`Commit the failback and reprotect plan ${c.plan}`, async () => {
      r.hint(`asr plan commit ${c.vault} ${c.plan} --wait && asr plan reprotect ${c.vault} ${c.plan} --wait`);
      for (const [action, body] of [['failoverCommit', {}], ['reProtect', { properties: { failoverDirection: 'PrimaryToRecovery' } }]] as const) {
        const job = jobNameOf(await postAction(c.api, `${planPath}/${action}`, body, 'Contributor'));
        const j = await c.follow(job);
        if (j.properties.state !== 'Succeeded') throw new DemoError('ReprotectIncomplete', `${action} job ${job} is ${j.properties.state} (${j.properties.stateDescription})`);
      }
    }, () => 'the machines in the recovery site are removed; replication runs from home again');

    const bytesAfterReprotect = await r.step('Replication from home: the agent ships what changed (no re-seed)', async () => {
      const channel = await c.channel();
      const reports = await Promise.all(c.machines.map((m) => syncItem(channel, { vault: c.vault, item: m.name, stateDir: c.stateDir, merge: { pollMs: 250 } })));
      reports.forEach((rep, i) => r.note(`${c.machines[i].name}: epoch ${rep.repairEpoch ?? 1}, ${formatBytes(rep.bytesUploaded)} shipped`));
      const plan = await c.api.get(planPath);
      r.note(`home again: the plan allows ${((plan.properties.allowedOperations ?? []) as string[]).join(', ')} again`);
      return reports.reduce((s, rep) => s + rep.bytesUploaded, 0);
    }, (n) => `${formatBytes(n)} shipped: at home, protected`);

    return { bytesChanged, bytesShipped: failback.shipped, failbackMs: failback.ms, verdicts, bytesAfterReprotect };
  }

  /** `asr agent sync` on the primary host, again and again, while the failback job runs. */
  private async serveRounds(item: string, stop: () => boolean): Promise<void> {
    const channel = await this.c.channel();
    while (!stop()) {
      try {
        await syncFailback(channel, { vault: this.c.vault, item, stateDir: this.c.stateDir, waitMs: 60_000, pollMs: 250 });
      } catch (err) {
        // As `asr agent run` does: say it and try again (a round is resumable from the agent's journal).
        this.c.r.note(`agent for ${item}: ${(err as Error).message}; trying again`);
        await new Promise((res) => setTimeout(res, 1000));
      }
      await new Promise((res) => setTimeout(res, 250));
    }
  }

  /** The recovered machine's disk in the local fabric (a page blob), reached with the emulator's storage credential as the workload's own storage. */
  private recoveredDisk(machine: string): BlobClient {
    this.disks ??= (() => {
      const settings = findRunningEmulators(this.c.dataDir);
      if (!settings) throw new DemoError('EmulatorsMissing', `no emulators process serves ${this.c.dataDir}`);
      return BlobServiceClient.fromConnectionString(settings.storageConnectionString).getContainerClient(FABRIC_CONTAINERS.disks);
    })();
    return this.disks.getBlobClient(`asr-recovery/shop-${machine}/disk0.vhd`);
  }

  /** The recovered machine's disk as it stood at shutdown. */
  private async downloadRecoveredDisk(machine: string): Promise<string> {
    const blob = this.recoveredDisk(machine);
    const file = join(this.c.dir, `${machine}-recovery-site.vhd`);
    const res = await blob.download();
    await pipeline(res.readableStreamBody!, createWriteStream(file));
    return file;
  }
}
