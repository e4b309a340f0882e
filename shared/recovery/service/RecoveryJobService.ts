import { randomUUID } from 'node:crypto';
import { inlineJobTasks } from '../plan/jobTaskPages';
import { z } from 'zod';
import { assertKeyFits, assertXtsKey } from '../../crypto';
import { ServiceError } from '../../errors';
import { virtualNetworkRefSchema } from '../../naming';
import type { MetadataStore, ProtectedItemProperties, ResourceDocument, VaultDocument } from '../../metadata';
import { documentIdOfArmId } from '../../metadata/documentIdOfArmId';
import { vaultKeyOf } from '../../metadata';
import type { RecoveryJobState } from '../plan/applyJobEvent';
import { FINISHED_JOB_STATES, allTasks } from '../plan/AsrJob';
import { JobRecorder } from '../jobs/JobRecorder';
import type { KeyWrapper } from '../jobs/KeyWrapper';
import type { OrchestrationControl } from './OrchestrationControl';
import type { PlanGroup, PlanSnapshot } from '../plan/PlanSnapshot';
import { planRecoverySteps } from '../plan/planRecoverySteps';
import { RECOVERY_EVENTS, type ResumeEvent } from '../plan/RecoveryEvents';
import type { RecoveryJobDocument } from '../jobs/RecoveryJobDocument';
import type { RecoveryJobInput } from '../plan/RecoveryJobInput';
import type { DrillJobOptions } from '../plan/DrillJobOptions';
import type { RecoveryJobSettings } from './RecoveryJobSettings';
import { recoveryPointChoiceOf } from '../../replication/journal/RecoveryPointChoice';
import { scenarioFriendlyName, type RecoveryScenario } from '../plan/RecoveryScenario';
import { ScenarioLock, type CurrentScenario } from '../jobs/ScenarioLock';
import { recordScenarioStarted } from '../../protection';
import { failbackOptionsOf, resolveScenario } from './failbackRequest';
import { assertReverseKeySupplied } from './reverseReplicationKey';

/** Name of the job orchestration (registered in functions/orchestrators). */
export const RECOVERY_JOB_ORCHESTRATION = 'recoveryJob';

/** ASR's provider-specific failover input, for the fields this service acts on (plans send an array, items an object). */
const providerDetails = z.object({
  instanceType: z.string().optional(),
  recoveryPointId: z.string().optional(),
  recoveryPointType: z.string().optional(),
  /** Our extension: any time in the journal window. */
  recoveryPointTime: z.iso.datetime({ offset: true }).optional(),
  /** The item's XTS key, base64 (ASR's field for the key material of encrypted items). */
  primaryKekCertificatePfx: z.string().optional(),
}).loose();

const failoverBody = z.object({
  properties: z.object({
    failoverDirection: z.enum(['PrimaryToRecovery', 'RecoveryToPrimary']).optional(),
    networkType: z.string().optional(),
    networkId: virtualNetworkRefSchema.optional(),
    sourceSiteOperations: z.enum(['Required', 'NotRequired']).optional(),
    providerSpecificDetails: z.union([z.array(providerDetails), providerDetails]).optional(),
    comments: z.string().optional(),
  }).loose().optional(),
}).loose();

/** The target of an operation: a plan, or one protected item. */
export type RecoveryTarget =
  | { kind: 'plan'; doc: ResourceDocument }
  | { kind: 'item'; doc: ResourceDocument };

/** How a caller inside the service (a drill) starts a job beyond what the request body says. */
export interface StartOptions {
  drill?: DrillJobOptions;
  /** Overrides `RECOVERY_MANUAL_ACTION_TIMEOUT_SECONDS` for this job. */
  manualActionSeconds?: number;
  /** A manual action the job waits on before it changes anything (planRecoverySteps' `approval`). */
  approval?: { actionName: string; description: string };
  /**
   * The job's name, when the caller must be able to find the job after a crash (an alert's
   * claim derives it from the alert); refused with `Conflict` if a job has it. Default: a new UUID.
   */
  jobName?: string;
}

export interface StartedJob {
  jobName: string;
  jobArmId: string;
}

function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue.path.map(String).join('.') || '(body)';
  throw new ServiceError('InvalidRequestBody', `${field}: ${issue.message}`, { details: { target: field } });
}

/** The vault's partition key (not its document id). */
export function keyOfVault(vault: VaultDocument): string {
  return vaultKeyOf({ subscriptionId: vault.subscriptionId, resourceGroupName: vault.resourceGroupName, vaultName: vault.name });
}

function nameOf(id: string): string {
  return id.split('/').filter(Boolean).pop()!;
}

/**
 * Starts and steers recovery jobs: checks the request and the one-scenario-at-a-time rule,
 * records the job with all its tasks, starts the orchestration under the job's name, and later
 * cancels, resumes or restarts it. The disk key of an encrypted item is checked against the
 * item's fingerprint here and sealed to the job before anything is stored.
 */
export class RecoveryJobService {
  private readonly lock: ScenarioLock;
  private readonly jobs: JobRecorder;

  constructor(
    private readonly store: MetadataStore,
    private readonly orchestrations: OrchestrationControl,
    private readonly keys: KeyWrapper,
    private readonly settings: RecoveryJobSettings,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.lock = new ScenarioLock(store);
    this.jobs = new JobRecorder(store);
  }

  /** `options.drill`: a test failover a drill starts (auto-approved actions, verification; its manual actions wait at most `manualActionSeconds`). */
  async start(vault: VaultDocument, target: RecoveryTarget, scenario: RecoveryScenario, body: unknown, options: StartOptions = {}): Promise<StartedJob> {
    const input = parse(failoverBody, body ?? {});
    const p = input.properties ?? {};
    const details = Array.isArray(p.providerSpecificDetails) ? p.providerSpecificDetails[0] : p.providerSpecificDetails;
    const snapshot = await this.snapshot(vault, target);
    const items = snapshot.groups.flatMap((g) => g.items);
    const current = target.doc.properties.currentScenario as CurrentScenario | undefined;
    const itemDocs = await this.itemDocs(keyOfVault(vault), items.map((i) => i.itemId));
    // A reprotect that names no direction (the official client sends no body for a plan's) goes
    // the other way from where the machines run, as ASR's does: after a committed failover it is
    // reverse replication, otherwise forward.
    const runsInRecoverySite = itemDocs.length > 0 && itemDocs.every((i) => i.properties.protectionState === 'FailoverCommitted');
    const direction = p.failoverDirection ?? (scenario === 'Reprotect' && runsInRecoverySite ? 'RecoveryToPrimary' : 'PrimaryToRecovery');
    scenario = resolveScenario(scenario, direction, current, snapshot, itemDocs);
    if (scenario === 'ReverseReprotect') assertReverseKeySupplied(itemDocs, details?.primaryKekCertificatePfx);
    const failback = scenario === 'Failback' ? failbackOptionsOf(details) : undefined;
    if (!failback && details?.instanceType === 'HyperVReplicaAzureFailback') {
      throw new ServiceError('InvalidRequestBody', 'properties.providerSpecificDetails.instanceType: HyperVReplicaAzureFailback is the input of a failback (plannedFailover with failoverDirection RecoveryToPrimary)', { details: { target: 'properties.providerSpecificDetails.instanceType' } });
    }
    const jobName = options.jobName ?? randomUUID();
    if (options.jobName && await this.store.getJob(keyOfVault(vault), jobName)) {
      throw new ServiceError('Conflict', `job ${jobName} exists already; this operation was started before`);
    }
    const jobArmId = `${vault.armId}/replicationJobs/${jobName}`;
    // Cleanup and cancel remove what the current scenario's job made; a failover retried after a
    // failed one first removes what the failed attempt left (same machine names).
    const FAILOVERS = ['PlannedFailover', 'UnplannedFailover'];
    const previousJobId = current && (scenario === 'TestFailoverCleanup' || scenario === 'CancelFailover' || (FAILOVERS.includes(scenario) && FAILOVERS.includes(current.scenarioName)))
      ? nameOf(current.jobId) : undefined;

    // A cleanup started while the test job still waits on a manual action ends that job
    // (cancelled), or it would stay Suspended for good: nobody resumes a test being removed.
    let cancelPrevious = false;
    if (previousJobId && scenario === 'TestFailoverCleanup') {
      const previous = await this.store.getJob<RecoveryJobDocument>(keyOfVault(vault), previousJobId);
      if (previous && (previous.properties.state === 'InProgress' || previous.properties.state === 'NotStarted')) {
        throw new ServiceError('Conflict', `the test failover (job ${previousJobId}) is still running; clean up once it waits for cleanup or has ended, or cancel it first (asr job cancel)`);
      }
      cancelPrevious = previous !== undefined && waitsOnManualAction(previous);
    }
    let wrappedKey: string | undefined;
    if (details?.primaryKekCertificatePfx) {
      const key = Buffer.from(details.primaryKekCertificatePfx, 'base64');
      try {
        assertXtsKey(key);
      } catch (err) {
        throw new ServiceError('InvalidRequestBody', `providerSpecificDetails.primaryKekCertificatePfx: not a 64-byte AES-256-XTS key in base64 (${(err as Error).message})`, { cause: err, details: { target: 'properties.providerSpecificDetails.primaryKekCertificatePfx' } });
      }
      await this.assertKeyFitsItems(keyOfVault(vault), items.map((i) => i.itemId), key);
      wrappedKey = this.keys.wrap(key, jobName);
      key.fill(0);
    }

    const { steps, tasks } = planRecoverySteps(snapshot, scenario, { direction, sourceSiteOperations: p.sourceSiteOperations, failback, approval: options.approval });
    const at = this.now().toISOString();
    const jobInput: RecoveryJobInput = {
      vaultKey: keyOfVault(vault), vaultArmId: vault.armId, jobId: jobName, scenario, direction, plan: snapshot, steps,
      point: recoveryPointChoiceOf(details),
      testNetworkId: scenario === 'TestFailover' ? p.networkId : undefined,
      sourceSiteOperations: p.sourceSiteOperations,
      wrappedKey,
      previousJobId,
      failback,
      ...(options.drill && scenario === 'TestFailover' ? { drill: options.drill } : {}),
      timeouts: { finalLogSeconds: this.settings.finalLogSeconds, manualActionSeconds: options.manualActionSeconds ?? this.settings.manualActionSeconds, runbookSeconds: this.settings.runbookSeconds, failbackRoundSeconds: this.settings.failbackRoundSeconds },
      pollSeconds: this.settings.pollSeconds,
    };

    const targets = { vaultKey: keyOfVault(vault), planId: target.kind === 'plan' ? target.doc.armId : undefined, itemIds: items.map((i) => i.itemId) };
    await this.lock.begin(targets, scenario, { scenarioName: scenario, jobId: jobArmId, startTime: at },
      (props) => recordScenarioStarted(props as unknown as ProtectedItemProperties, scenario, new Date(at)) as unknown as Record<string, unknown>);
    const properties: RecoveryJobState = {
      activityId: randomUUID(), scenarioName: scenario, friendlyName: scenarioFriendlyName(scenario, snapshot.targetName),
      state: 'NotStarted', stateDescription: 'NotStarted', tasks, errors: [], startTime: at, allowedActions: ['Cancel'],
      targetObjectId: target.doc.armId, targetObjectName: snapshot.targetName, targetInstanceType: snapshot.targetType,
      customDetails: {
        instanceType: scenario === 'TestFailover' ? 'TestFailoverJobDetails' : 'FailoverJobDetails', protectedItemDetails: items.map((i) => ({ name: i.name, friendlyName: i.name })),
        ...(failback ? { failbackDetails: failback } : {}),
      },
    };
    const doc: RecoveryJobDocument = {
      id: jobName, vaultKey: keyOfVault(vault), name: jobName, armId: jobArmId, properties, createdAt: at,
      recovery: { input: { ...jobInput, wrappedKey: undefined } },
    };
    await this.store.createJob(doc);
    try {
      await this.orchestrations.start(RECOVERY_JOB_ORCHESTRATION, jobName, jobInput);
    } catch (err) {
      const error = { code: 'OrchestrationNotStarted', message: `the job could not be started: ${(err as Error).message}`, possibleCauses: 'The Durable Functions task hub is unavailable.', recommendedAction: 'Retry the operation.' };
      await this.jobs.record(keyOfVault(vault), jobName, [{ type: 'jobFailed', at, error }]);
      await this.lock.finish({ ...targets, jobId: jobArmId }, scenario, 'Failed', at);
      throw new ServiceError('ServiceUnavailable', error.message, { cause: err, retryable: true });
    }
    if (scenario === 'TestFailoverCleanup' && previousJobId) {
      if (cancelPrevious) await this.cancel(keyOfVault(vault), previousJobId);
      else await this.orchestrations.raiseEvent(previousJobId, RECOVERY_EVENTS.cleanupStarted, { jobId: jobName });
    }
    return { jobName, jobArmId };
  }

  /** Marks the job for cancellation (steps check between them) and wakes it if it waits. */
  async cancel(vaultKey: string, jobName: string): Promise<RecoveryJobDocument> {
    const job = await this.jobs.get(vaultKey, jobName);
    if (FINISHED_JOB_STATES.includes(job.properties.state)) {
      throw new ServiceError('Conflict', `job ${jobName} already ended (${job.properties.state}); nothing to cancel`);
    }
    await this.jobs.record(vaultKey, jobName, [{ type: 'cancelRequested', at: this.now().toISOString() }]);
    await this.orchestrations.raiseEvent(jobName, RECOVERY_EVENTS.cancel, {});
    return this.jobs.view(vaultKey, jobName);
  }

  /** Completes the manual action the job waits on. */
  async resume(vaultKey: string, jobName: string, body: unknown, resumedBy?: string): Promise<RecoveryJobDocument> {
    const input = parse(z.object({ properties: z.object({ comments: z.string().optional() }).loose().optional() }).loose(), body ?? {});
    const job = await this.jobs.get(vaultKey, jobName);
    if (!waitsOnManualAction(job)) {
      throw new ServiceError('Conflict', `job ${jobName} is ${job.properties.state} and waits on no manual action; only a job suspended on a manual action can be resumed`);
    }
    const event: ResumeEvent = { comments: input.properties?.comments ?? '', ...(resumedBy ? { resumedBy } : {}) };
    if (!(await this.orchestrations.raiseEvent(jobName, RECOVERY_EVENTS.resume, event))) {
      throw new ServiceError('Conflict', `job ${jobName} is no longer running`);
    }
    // Show the resume at once; the orchestrator records the same events (idempotent) when it runs on.
    await this.jobs.record(vaultKey, jobName, [{ type: 'jobResumed', at: this.now().toISOString() }]).catch(() => undefined);
    return this.jobs.view(vaultKey, jobName);
  }

  /** Runs a failed or cancelled job's operation again as a new job (a key must be supplied again). */
  async restart(vault: VaultDocument, jobName: string): Promise<StartedJob> {
    const job = await this.jobs.get(keyOfVault(vault), jobName);
    if (!['Failed', 'Cancelled'].includes(job.properties.state)) {
      throw new ServiceError('Conflict', `job ${jobName} is ${job.properties.state}; only a failed or cancelled job can be restarted`);
    }
    const old = job.recovery.input;
    const targetDoc = await this.store.getResource(keyOfVault(vault), documentIdOfArmId(old.plan.targetId));
    if (!targetDoc) throw new ServiceError('NotFound', `the job's target ${old.plan.targetId} no longer exists`);
    const target: RecoveryTarget = old.plan.targetType === 'RecoveryPlan' ? { kind: 'plan', doc: targetDoc } : { kind: 'item', doc: targetDoc };
    const point = old.point;
    return this.start(vault, target, old.scenario, {
      properties: {
        failoverDirection: old.direction, networkId: old.testNetworkId, sourceSiteOperations: old.sourceSiteOperations,
        providerSpecificDetails: old.failback ? { instanceType: 'HyperVReplicaAzureFailback', ...old.failback }
          : point.kind === 'Point' ? { recoveryPointId: point.pointId } : point.kind === 'Time' ? { recoveryPointTime: point.time } : { recoveryPointType: point.kind },
      },
    });
  }

  /** The job as the API shows it, machine tasks of the running group included. */
  async get(vaultKey: string, jobName: string): Promise<RecoveryJobDocument> {
    return this.jobs.view(vaultKey, jobName);
  }

  private async snapshot(vault: VaultDocument, target: RecoveryTarget): Promise<PlanSnapshot> {
    if (target.kind === 'item') {
      return {
        targetId: target.doc.armId, targetName: target.doc.name, targetType: 'ProtectionEntity',
        groups: [{ groupType: 'Boot', items: [{ itemId: target.doc.armId, name: target.doc.name }], startGroupActions: [], endGroupActions: [] }],
      };
    }
    const groups = (target.doc.properties.groups as Array<{ groupType: PlanGroup['groupType']; replicationProtectedItems: { id: string }[]; startGroupActions?: PlanGroup['startGroupActions']; endGroupActions?: PlanGroup['endGroupActions'] }>) ?? [];
    return {
      targetId: target.doc.armId, targetName: target.doc.name, targetType: 'RecoveryPlan',
      groups: groups.map((g) => ({
        groupType: g.groupType,
        items: g.replicationProtectedItems.map((i) => ({ itemId: i.id, name: nameOf(i.id) })),
        startGroupActions: g.startGroupActions ?? [],
        endGroupActions: g.endGroupActions ?? [],
      })),
    };
  }

  private async itemDocs(vaultKey: string, itemIds: string[]): Promise<ResourceDocument<ProtectedItemProperties>[]> {
    const docs: ResourceDocument<ProtectedItemProperties>[] = [];
    for (const id of itemIds) {
      const doc = await this.store.getResource<ProtectedItemProperties>(vaultKey, documentIdOfArmId(id));
      if (doc) docs.push(doc);
    }
    return docs;
  }

  /** Refuses, before anything is stored, a key that is not the key of an item that records its fingerprint. */
  private async assertKeyFitsItems(vaultKey: string, itemIds: string[], key: Buffer): Promise<void> {
    for (const id of itemIds) {
      const item = await this.store.getResource<ProtectedItemProperties>(vaultKey, documentIdOfArmId(id));
      const fingerprint = item?.properties.providerSpecificDetails.encryptionKeyFingerprint || undefined;
      if (item) assertKeyFits({ name: item.name, fingerprint, keyRequired: false }, key);
    }
  }
}

/** True when the job is suspended on a manual action (not on the wait for a test failover's cleanup). */
function waitsOnManualAction(job: RecoveryJobDocument): boolean {
  return job.properties.state === 'Suspended' && allTasks(job.properties.tasks).some((t) => t.state === 'Suspended' && t.allowedActions.includes('Resume'));
}

/** The job as ARM answers it (`Microsoft.RecoveryServices/vaults/replicationJobs`), without service-only fields. */
export function shapeJob(doc: RecoveryJobDocument): Record<string, unknown> {
  const { cancelRequested, ...properties } = doc.properties;
  void cancelRequested;
  // A job of many machines answers its first machine tasks and counts; the rest page through its tasks.
  const { tasks, summary } = inlineJobTasks(properties.tasks);
  const shaped = summary ? { ...properties, tasks, taskSummary: { ...summary, tasksLink: `${doc.armId}/tasks` } } : properties;
  return { id: doc.armId, name: doc.name, type: 'Microsoft.RecoveryServices/vaults/replicationJobs', properties: shaped };
}

