import type { DrillScheduleDocument, DrillScheduler } from '../../drills';
import { createHash } from 'node:crypto';
import { ServiceError } from '../../errors';
import { appendToOutbox, EVENT_TYPES, EventOutbox, type EventSeverity, type ReplicationEventDraft } from '../../events';
import { documentIdOfArmId } from '../../metadata/documentIdOfArmId';
import type { AlertRuleProperties, AlertTriggerDocument, MetadataStore, ResourceDocument, VaultDocument } from '../../metadata';
import type { RecoveryJobService } from '../../recovery/service/RecoveryJobService';
import { mismatchOf } from './matchAlert';
import type { IncomingAlert } from './parseAlertDelivery';

/** What a rule did with one alert. */
export interface AlertOutcome {
  alertId: string;
  outcome: 'Started' | 'AwaitingApproval' | 'EventRaised' | 'Duplicate' | 'Ignored' | 'RuleDisabled' | 'Failed';
  /** The job started (for a `Drill`, the drill run, which starts its own jobs). */
  jobId?: string;
  reason?: string;
  error?: { code: string; message: string };
  /** The failure when `Failed` (so the edge can answer with its status). */
  cause?: unknown;
}

/** A claim older than this that never recorded its result (the host died meanwhile) may be taken over by a redelivery. */
const STALE_CLAIM_MS = 2 * 60_000;
const WRITE_ATTEMPTS = 5;

/** Azure Monitor's Sev0-Sev4 as the service's event severities. */
function eventSeverityOf(severity: string | undefined): EventSeverity {
  const s = (severity ?? '').toLowerCase();
  return s === 'sev0' || s === 'sev1' ? 'Critical' : s === 'sev2' ? 'Warning' : 'Info';
}

/** The claim's id: rule and a digest of the alert id (alert ids are long and carry `/`, which Cosmos ids may not). */
export function claimIdOf(rule: string, alertId: string): string {
  return `${rule.toLowerCase()}|${createHash('sha256').update(alertId).digest('hex').slice(0, 40)}`;
}

/** The job an attempt starts: a GUID-shaped digest of the claim and the attempt, so a delivery after a crash can find it. */
export function jobNameOf(claim: Pick<AlertTriggerDocument, 'vaultKey' | 'id' | 'attempt'>): string {
  const h = createHash('sha256').update(`${claim.vaultKey}\n${claim.id}\n${claim.attempt}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function errorOf(err: unknown): { code: string; message: string } {
  return err instanceof ServiceError ? { code: err.code, message: err.message } : { code: 'InternalError', message: (err as Error)?.message ?? String(err) };
}

/**
 * Acts on the alerts a rule's trigger received: checks the rule is enabled and the alert
 * matches, claims the alert (a conditional create keyed by rule and alert id, so a redelivery
 * starts nothing), then starts the rule's action and records the result on the claim. An
 * unplanned failover waits on an approval gate (a manual action) unless the rule says
 * `autoExecute`.
 */
export class AlertRuleTrigger {
  private readonly outbox: EventOutbox;

  constructor(
    private readonly store: MetadataStore,
    private readonly jobs: RecoveryJobService,
    private readonly now: () => Date = () => new Date(),
    log: (message: string, err?: unknown) => void = () => undefined,
    /** Starts drills (a `Drill` rule); absent on a host without the Durable client. */
    private readonly drills?: () => Promise<DrillScheduler>,
  ) {
    this.outbox = new EventOutbox(store, log);
  }

  async act(vault: VaultDocument, rule: ResourceDocument<AlertRuleProperties>, alert: IncomingAlert): Promise<AlertOutcome> {
    const base = { alertId: alert.alertId };
    if (rule.properties.state !== 'Enabled') return { ...base, outcome: 'RuleDisabled', reason: `rule '${rule.name}' is disabled; enable it with asr rule enable` };
    const mismatch = mismatchOf(alert, rule.properties.match);
    if (mismatch) return { ...base, outcome: 'Ignored', reason: mismatch };
    const claim = await this.claim(rule, alert);
    if ('outcome' in claim) return claim;
    try {
      const done = await this.run(vault, rule, alert, jobNameOf(claim));
      await this.settle(claim, { state: done.outcome === 'EventRaised' ? 'EventRaised' : 'Started', ...(done.jobId ? { jobId: done.jobId } : {}) });
      return done;
    } catch (err) {
      await this.settle(claim, { state: 'Failed', error: errorOf(err) }).catch(() => undefined);
      return { ...base, outcome: 'Failed', error: errorOf(err), cause: err };
    }
  }

  /** The claim on the alert, or the outcome of a delivery that finds it already claimed. */
  private async claim(rule: ResourceDocument<AlertRuleProperties>, alert: IncomingAlert): Promise<AlertTriggerDocument | AlertOutcome> {
    const at = this.now().toISOString();
    const fresh: AlertTriggerDocument = {
      id: claimIdOf(rule.name, alert.alertId), vaultKey: rule.vaultKey, rule: rule.name, alertId: alert.alertId, source: alert.source,
      state: 'Claimed', claimedAt: at, updatedAt: at, attempt: 1,
    };
    try {
      return await this.store.createAlertTrigger(fresh);
    } catch (err) {
      if (!(err instanceof ServiceError && err.code === 'Conflict')) throw err;
    }
    const existing = await this.store.getAlertTrigger(rule.vaultKey, fresh.id);
    const duplicate = (reason: string, jobId?: string): AlertOutcome => ({ alertId: alert.alertId, outcome: 'Duplicate', reason, ...(jobId ? { jobId } : {}) });
    if (!existing) return duplicate('another delivery of this alert is acting on it');
    if (existing.state === 'Started' || existing.state === 'EventRaised') return duplicate(`alert already acted on at ${existing.updatedAt}`, existing.jobId);
    if (existing.state === 'Claimed' && Date.parse(existing.claimedAt) > this.now().getTime() - STALE_CLAIM_MS) {
      return duplicate('another delivery of this alert is acting on it');
    }
    // A stale claim's host may have died after starting the job and before recording it: its
    // job has the attempt's name, so find it rather than start another.
    if (existing.state === 'Claimed' && rule.properties.action.kind !== 'RaiseEvent') {
      const job = await this.store.getJob(rule.vaultKey, jobNameOf(existing));
      if (job) {
        await this.settle(existing, { state: 'Started', jobId: job.armId }).catch(() => undefined);
        return duplicate(`alert already acted on at ${job.createdAt}`, job.armId);
      }
    }
    // A failed attempt (or one whose host died before starting anything) is tried again by this
    // delivery, as the next attempt; If-Match lets one of several redeliveries win.
    const attempt = existing.state === 'Failed' ? existing.attempt + 1 : existing.attempt;
    try {
      return await this.store.replaceAlertTrigger({ ...existing, state: 'Claimed', claimedAt: at, updatedAt: at, attempt, error: undefined }, { ifMatch: existing._etag });
    } catch (err) {
      if (err instanceof ServiceError && err.code === 'PreconditionFailed') return duplicate('another delivery of this alert is acting on it');
      throw err;
    }
  }

  private async settle(claim: AlertTriggerDocument, result: Pick<AlertTriggerDocument, 'state'> & Partial<AlertTriggerDocument>): Promise<void> {
    await this.store.replaceAlertTrigger({ ...claim, ...result, updatedAt: this.now().toISOString() }, { ifMatch: claim._etag });
  }

  private async run(vault: VaultDocument, rule: ResourceDocument<AlertRuleProperties>, alert: IncomingAlert, jobName: string): Promise<AlertOutcome> {
    const action = rule.properties.action;
    const base = { alertId: alert.alertId };
    if (action.kind === 'RaiseEvent') {
      await this.raiseEvent(rule, alert);
      return { ...base, outcome: 'EventRaised' };
    }
    if (action.kind === 'Drill') {
      const schedule = await this.store.getResource(rule.vaultKey, documentIdOfArmId(action.drillScheduleId!));
      if (!schedule || schedule.kind !== 'drillSchedule') throw new ServiceError('NotFound', `rule '${rule.name}': drill schedule ${action.drillScheduleId} no longer exists`);
      if (!this.drills) throw new ServiceError('AlertActionNotAvailable', `rule '${rule.name}' asks for a drill; this host does not run drills`);
      const run = await (await this.drills()).runNow(schedule as unknown as DrillScheduleDocument, this.now());
      return { ...base, outcome: 'Started', jobId: run.armId };
    }
    const plan = await this.store.getResource(rule.vaultKey, documentIdOfArmId(action.recoveryPlanId!));
    if (!plan || plan.kind !== 'recoveryPlan') throw new ServiceError('NotFound', `rule '${rule.name}': recovery plan ${action.recoveryPlanId} no longer exists`);
    const details = [{ instanceType: 'HyperVReplicaAzure', recoveryPointType: action.recoveryPointType ?? 'Latest' }];
    const why = `alert ${alert.alertId}${alert.alertRuleName ? ` (${alert.alertRuleName})` : ''} through rule ${rule.name}`;
    if (action.kind === 'TestFailover') {
      const started = await this.jobs.start(vault, { kind: 'plan', doc: plan }, 'TestFailover', {
        properties: { failoverDirection: 'PrimaryToRecovery', ...(action.networkId ? { networkType: 'VmNetworkAsInput', networkId: action.networkId } : {}), providerSpecificDetails: details, comments: why },
      }, { jobName });
      return { ...base, outcome: 'Started', jobId: started.jobArmId };
    }
    const approval = action.autoExecute ? undefined : {
      actionName: 'ApproveAlertFailover',
      description: `Unplanned failover of ${plan.name} requested by ${why}. Resume the job to fail over, or cancel it.`,
    };
    const started = await this.jobs.start(vault, { kind: 'plan', doc: plan }, 'UnplannedFailover', {
      properties: { failoverDirection: 'PrimaryToRecovery', sourceSiteOperations: 'NotRequired', providerSpecificDetails: details, comments: why },
    }, { approval, jobName });
    return { ...base, outcome: approval ? 'AwaitingApproval' : 'Started', jobId: started.jobArmId };
  }

  /** An `AlertReceived` event in the rule's outbox, written with If-Match, then published (shared/events). */
  private async raiseEvent(rule: ResourceDocument<AlertRuleProperties>, alert: IncomingAlert): Promise<void> {
    const draft: ReplicationEventDraft = {
      eventCode: 'AlertReceived', eventType: EVENT_TYPES.alert, severity: eventSeverityOf(alert.severity),
      description: `Alert ${alert.alertRuleName ?? alert.alertId} (${alert.source}${alert.severity ? `, ${alert.severity}` : ''}) matched rule ${rule.name}${alert.description ? `: ${alert.description}` : ''}`,
      affectedObjectFriendlyName: rule.name, affectedObjectCorrelationId: rule.armId, timeOfOccurrence: this.now().toISOString(), healthErrors: [],
      eventSpecificDetails: { instanceType: 'AlertRuleEventDetails', alertId: alert.alertId, source: alert.source, alertRuleName: alert.alertRuleName ?? '', targetIds: alert.targetIds },
    };
    for (let attempt = 1; ; attempt++) {
      const current = await this.store.getResource<AlertRuleProperties>(rule.vaultKey, rule.id);
      if (!current) throw new ServiceError('NotFound', `rule '${rule.name}' was deleted meanwhile`);
      try {
        const written = await this.store.replaceResource(appendToOutbox(current, 'resources', [draft]), { ifMatch: current._etag });
        await this.outbox.publishAfterWrite('resources', written);
        return;
      } catch (err) {
        if (!(err instanceof ServiceError && err.code === 'PreconditionFailed') || attempt >= WRITE_ATTEMPTS) throw err;
      }
    }
  }
}
