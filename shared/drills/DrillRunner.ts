import { ServiceError } from '../errors';
import type { MetadataStore, VaultDocument } from '../metadata';
import { documentIdOfArmId } from '../metadata/documentIdOfArmId';
import { FINISHED_JOB_STATES } from '../recovery/plan/AsrJob';
import type { RecoveryJobDocument } from '../recovery/jobs/RecoveryJobDocument';
import type { CurrentScenario } from '../recovery/jobs/ScenarioLock';
import type { OrchestrationControl } from '../recovery/service/OrchestrationControl';
import type { RecoveryJobService } from '../recovery/service/RecoveryJobService';
import { DRILL_JOB_CHANGED_EVENT } from '../recovery/plan/DrillJobOptions';
import type { DrillActivityInput, DrillActivityMap, DrillActivityOutput } from './DrillActivityMap';
import { drillInstanceId } from './DrillScheduler';
import { drillVerdictOf } from './drillVerdict';
import type { DrillRunProperties } from './DrillRunRecord';
import { DrillRunStore, type DrillRunDocument, type DrillScheduleDocument } from './DrillRunStore';
import type { DrillPoint } from './DrillSchedule';

export interface DrillSettings {
  /** How often the drill looks at its jobs (`DRILL_POLL_SECONDS`, 1). */
  pollSeconds: number;
  /** A test failover running longer is cancelled and the drill fails (`DRILL_MAX_TEST_FAILOVER_SECONDS`, 7200). */
  maxTestFailoverSeconds: number;
}

type Handlers = { [N in keyof DrillActivityMap]: (input: DrillActivityInput<N>) => Promise<DrillActivityOutput<N>> };

const last = (id: string): string => id.split('/').filter(Boolean).pop()!;

/** ASR's provider-specific point input for the drill's choice, taken at `now`. */
function pointInput(point: DrillPoint, now: Date): Record<string, string> {
  if (point.type === 'HoursAgo') return { instanceType: 'HyperVReplicaAzure', recoveryPointTime: new Date(now.getTime() - point.hours * 3600_000).toISOString() };
  return { instanceType: 'HyperVReplicaAzure', recoveryPointType: point.type };
}

/**
 * The drill activities: each reads the run document and what it names, acts through the
 * recovery job service (the same checks and scenario lock as an operator's request), and
 * records what happened on the run. Idempotent: a retried start or cleanup finds the job it
 * began (the job's input names the drill run), a retried finish changes nothing.
 */
export function createDrillActivities(store: MetadataStore, jobs: RecoveryJobService, orchestrations: OrchestrationControl, settings: DrillSettings, now: () => Date = () => new Date()): Handlers {
  const runs = new DrillRunStore(store);

  async function context(ref: DrillActivityInput<'beginDrill'>): Promise<{ run: DrillRunDocument; schedule?: DrillScheduleDocument; vault?: VaultDocument }> {
    const run = await runs.get(ref.vaultKey, ref.runId);
    const schedule = await store.getResource(ref.vaultKey, documentIdOfArmId(run.properties.scheduleId)) as DrillScheduleDocument | undefined;
    return { run, schedule, vault: await store.getVault(ref.vaultKey) };
  }

  async function end(ref: DrillActivityInput<'beginDrill'>, notifyTargets: string[], change: Partial<DrillRunProperties>): Promise<void> {
    const at = now().toISOString();
    await runs.update(ref.vaultKey, ref.runId, (p) => ({ ...p, ...change, phase: 'Done', endTime: at }), { notifyTargets, at });
  }

  /** The plan's current test failover job, when a drill run started it (a retried start adopts it). */
  async function jobOfThisRun(run: DrillRunDocument, scenario: 'TestFailover' | 'TestFailoverCleanup'): Promise<string | undefined> {
    const plan = await store.getResource(run.vaultKey, documentIdOfArmId(run.properties.planId));
    const current = plan?.properties.currentScenario as CurrentScenario | undefined;
    if (!current || current.scenarioName !== scenario) return undefined;
    const job = await store.getJob<RecoveryJobDocument>(run.vaultKey, last(current.jobId));
    const input = job?.recovery.input;
    if (scenario === 'TestFailover') return input?.drill?.runId === run.name ? job!.name : undefined;
    return input?.previousJobId === run.properties.testFailoverJobId ? job!.name : undefined;
  }

  return {
    async beginDrill(ref) {
      const { run, schedule, vault } = await context(ref);
      const p = run.properties;
      if (p.phase === 'Done') return { kind: 'ended' };
      const started = (jobId: string) => ({ kind: 'started' as const, jobId, keepUpSeconds: p.keepUpSeconds, pollSeconds: settings.pollSeconds, maxTestFailoverSeconds: settings.maxTestFailoverSeconds });
      if (p.testFailoverJobId) return started(p.testFailoverJobId);
      const targets = schedule?.properties.notify.targets ?? [];
      const plan = await store.getResource(ref.vaultKey, documentIdOfArmId(p.planId));
      if (!schedule || !plan || !vault) {
        await end(ref, targets, { result: 'Skipped', reason: `the ${!vault ? 'vault' : !plan ? 'recovery plan' : 'drill schedule'} no longer exists` });
        return { kind: 'ended' };
      }
      const s = schedule.properties;
      const at = now();
      let jobId: string;
      try {
        const job = await jobs.start(vault, { kind: 'plan', doc: plan }, 'TestFailover', {
          properties: { failoverDirection: 'PrimaryToRecovery', networkType: 'VmNetworkAsInput', networkId: s.testNetworkId, providerSpecificDetails: [pointInput(p.recoveryPoint, at)] },
        }, {
          drill: {
            runId: run.name, scheduleName: schedule.name, verification: p.verification, autoApprove: s.manualActions.filter((a) => a.mode === 'AutoApprove').map((a) => a.actionName),
            instanceId: drillInstanceId(ref.vaultKey, ref.runId),
          },
          manualActionSeconds: s.manualActionDeadlineSeconds,
        });
        jobId = job.jobName;
      } catch (err) {
        if (!(err instanceof ServiceError) || err.retryable) throw err;
        const adopted = await jobOfThisRun(run, 'TestFailover');
        if (adopted) {
          jobId = adopted;
        } else {
          // The plan is in another operation (or the request cannot be made): recorded, never queued.
          const busy = err.code === 'Conflict';
          await end(ref, targets, { result: busy ? 'Skipped' : 'Failed', reason: busy ? `the plan is busy: ${err.message}` : `the test failover could not start: ${err.code}: ${err.message}` });
          return { kind: 'ended' };
        }
      }
      await runs.update(ref.vaultKey, ref.runId, (q) => ({ ...q, phase: 'TestFailover', startTime: q.startTime ?? at.toISOString(), testFailoverJobId: jobId }));
      return started(jobId);
    },

    async drillJobStatus({ vaultKey, jobId }) {
      const job = await jobs.get(vaultKey, jobId);
      const state = job.properties.state;
      return { state, waitingForCleanup: state === 'Suspended' && job.properties.stateDescription === 'WaitingForStopTestFailover', ended: FINISHED_JOB_STATES.includes(state) };
    },

    async cancelDrillJob({ vaultKey, jobId }) {
      await jobs.cancel(vaultKey, jobId).catch((err: unknown) => {
        if (!(err instanceof ServiceError && err.code === 'Conflict')) throw err; // already ended
      });
    },

    async verifyDrill(ref) {
      const run = await runs.get(ref.vaultKey, ref.runId);
      const p = run.properties;
      if (p.phase === 'Done' || !p.testFailoverJobId) return { keepUp: false };
      const job = await jobs.get(ref.vaultKey, p.testFailoverJobId);
      const waiting = job.properties.state === 'Suspended' && job.properties.stateDescription === 'WaitingForStopTestFailover';
      const v = drillVerdictOf(job.properties, waiting, p.verification);
      const keepUp = v.result === 'Passed' && p.keepUpSeconds > 0;
      await runs.update(ref.vaultKey, ref.runId, (q) => ({
        ...q, result: v.result, reason: v.reason, verifiedLevel: v.verifiedLevel, machines: v.machines, failures: v.failures, phase: keepUp ? 'KeepingUp' : 'CleaningUp',
      }));
      return { keepUp };
    },

    async startDrillCleanup(ref) {
      const { run, vault } = await context(ref);
      const p = run.properties;
      if (p.cleanupJobId) return { jobId: p.cleanupJobId };
      const plan = await store.getResource(ref.vaultKey, documentIdOfArmId(p.planId));
      const current = plan?.properties.currentScenario as CurrentScenario | undefined;
      // Someone cleaned up (or started something else) meanwhile: nothing of this drill is left to remove.
      if (!vault || !plan || !current || last(current.jobId) !== p.testFailoverJobId) return {};
      let jobId: string;
      try {
        jobId = (await jobs.start(vault, { kind: 'plan', doc: plan }, 'TestFailoverCleanup', { properties: { comments: `drill run ${run.name}` } })).jobName;
      } catch (err) {
        if (!(err instanceof ServiceError) || err.retryable) throw err;
        const adopted = await jobOfThisRun(run, 'TestFailoverCleanup');
        if (!adopted) {
          await runs.update(ref.vaultKey, ref.runId, (q) => ({ ...q, cleanupState: `not started: ${err.code}: ${err.message}` }));
          return {};
        }
        jobId = adopted;
      }
      await runs.update(ref.vaultKey, ref.runId, (q) => ({ ...q, phase: 'CleaningUp', cleanupJobId: jobId }));
      return { jobId };
    },

    async finishDrill(ref) {
      const { run, schedule } = await context(ref);
      const p = run.properties;
      let cleanupState = ref.cleanupState ?? p.cleanupState;
      if (p.cleanupJobId) cleanupState = (await jobs.get(ref.vaultKey, p.cleanupJobId)).properties.state;
      const cleanupFailed = p.cleanupJobId !== undefined && cleanupState !== 'Succeeded';
      // A drill that leaves machines behind did not pass: the next one would find the plan busy.
      const result = p.result === 'Passed' && cleanupFailed ? 'Failed' : (p.result ?? 'Failed');
      const reason = p.result === 'Passed' && cleanupFailed ? `${p.reason}; but the cleanup job ${p.cleanupJobId} ended ${cleanupState}` : p.reason;
      await end(ref, schedule?.properties.notify.targets ?? [], { result, ...(reason ? { reason } : {}), ...(cleanupState ? { cleanupState } : {}) });
    },

    async notifyDrill({ instanceId }) {
      // Best effort: a drill that missed the event finds the job at its next poll.
      return orchestrations.raiseEvent(instanceId, DRILL_JOB_CHANGED_EVENT, {}).catch(() => false);
    },
  };
}

export type DrillActivities = ReturnType<typeof createDrillActivities>;
