import { AlertRuleTrigger, claimIdOf, jobNameOf } from '../../../shared/arm/alerts/AlertRuleTrigger';
import type { IncomingAlert } from '../../../shared/arm/alerts/parseAlertDelivery';
import { ServiceError } from '../../../shared/errors';
import { ensureMetadataStore, type AlertRuleProperties, type MetadataStore, type ResourceDocument, type VaultDocument } from '../../../shared/metadata';
import type { RecoveryJobService, StartOptions } from '../../../shared/recovery/service/RecoveryJobService';
import { startTestCosmos, type TestCosmos } from '../../support/cosmos';

const VAULT_KEY = 'sub1/rg1/vault1';
const VAULT_ID = '/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.RecoveryServices/vaults/vault1';
const PLAN_ID = `${VAULT_ID}/replicationRecoveryPlans/plan1`;
const vault = { id: 'sub1|rg1|vault1', subscriptionId: 'sub1', resourceGroupName: 'rg1', name: 'vault1', armId: VAULT_ID } as VaultDocument;

/**
 * Stand-in for the job service (the orchestration is not what is under test here): records
 * each start and writes the job document under the name it is given, as the real one does, or
 * fails when told to.
 */
class RecordingJobs {
  starts: StartOptions[] = [];
  failNext?: ServiceError;
  constructor(private readonly store: MetadataStore) {}
  async start(_v: VaultDocument, _t: unknown, _s: unknown, _b: unknown, options: StartOptions = {}) {
    this.starts.push(options);
    if (this.failNext) { const e = this.failNext; this.failNext = undefined; throw e; }
    const name = options.jobName!;
    await this.store.createJob({ id: name, vaultKey: VAULT_KEY, name, armId: `${VAULT_ID}/replicationJobs/${name}`, properties: {}, createdAt: new Date().toISOString() });
    return { jobName: name, jobArmId: `${VAULT_ID}/replicationJobs/${name}` };
  }
}

/**
 * The claim that makes an alert act once, against the Cosmos DB server through the real SDK:
 * concurrent deliveries, a redelivery after a failure, and after a host died between starting
 * the job and recording it.
 */
describe('alert claims (AlertRuleTrigger on Cosmos DB)', () => {
  let cosmos: TestCosmos;
  let store: MetadataStore;
  let jobs: RecordingJobs;
  let now = Date.UTC(2026, 11, 5, 10, 0);
  let trigger: AlertRuleTrigger;
  let rule: ResourceDocument<AlertRuleProperties>;
  const alert = (alertId: string): IncomingAlert => ({ source: 'AzureMonitor', alertId, monitorCondition: 'Fired', targetIds: [], eventType: 'azureMonitorCommonAlertSchema' });

  beforeAll(async () => {
    cosmos = await startTestCosmos();
    store = await ensureMetadataStore({ endpoint: cosmos.endpoint, key: cosmos.key, databaseId: 'claims', jobTtlSeconds: 3600, auditTtlSeconds: 3600 });
    await store.createResource({ id: 'replicationrecoveryplans|plan1', vaultKey: VAULT_KEY, kind: 'recoveryPlan', name: 'plan1', armId: PLAN_ID, refs: [], properties: {}, createdAt: '', updatedAt: '' });
    rule = await store.createResource<AlertRuleProperties>({
      id: 'replicationalertrules|r1', vaultKey: VAULT_KEY, kind: 'alertRule', name: 'r1', armId: `${VAULT_ID}/replicationAlertRules/r1`, refs: [], createdAt: '', updatedAt: '',
      properties: { friendlyName: 'r1', state: 'Enabled', match: {}, action: { kind: 'UnplannedFailover', recoveryPlanId: PLAN_ID, autoExecute: false }, secretHash: '', secretHint: '' },
    });
    jobs = new RecordingJobs(store);
    trigger = new AlertRuleTrigger(store, jobs as unknown as RecoveryJobService, () => new Date(now));
  });

  afterAll(async () => {
    await cosmos?.stop();
  });

  it('of five concurrent deliveries of one alert, one starts the job (behind the approval gate); the others are duplicates', async () => {
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => trigger.act(vault, rule, alert('a1'))));
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['AwaitingApproval', 'Duplicate', 'Duplicate', 'Duplicate', 'Duplicate']);
    expect(jobs.starts).toHaveLength(1);
    expect(jobs.starts[0].approval?.actionName).toBe('ApproveAlertFailover');
    const later = await trigger.act(vault, rule, alert('a1'));
    expect(later).toMatchObject({ outcome: 'Duplicate', jobId: outcomes.find((o) => o.outcome === 'AwaitingApproval')!.jobId });
    expect(jobs.starts).toHaveLength(1);
  });

  it('a failed attempt is tried again by the next delivery, as a new attempt with its own job name', async () => {
    jobs.starts = [];
    jobs.failNext = new ServiceError('ServiceUnavailable', 'task hub down', { retryable: true });
    expect(await trigger.act(vault, rule, alert('a2'))).toMatchObject({ outcome: 'Failed', error: { code: 'ServiceUnavailable' } });
    expect(await trigger.act(vault, rule, alert('a2'))).toMatchObject({ outcome: 'AwaitingApproval' });
    expect(new Set(jobs.starts.map((s) => s.jobName)).size).toBe(2);
    expect((await trigger.act(vault, rule, alert('a2'))).outcome).toBe('Duplicate');
    expect(jobs.starts).toHaveLength(2);
  });

  it('a claim left by a host that died after starting the job finds that job instead of starting another', async () => {
    jobs.starts = [];
    // The dead host's claim and the job it started (its name derives from the claim); the result never recorded.
    const claimAt = new Date(now).toISOString();
    const claimId = claimIdOf('r1', 'a3');
    const claim = { id: claimId, vaultKey: VAULT_KEY, rule: 'r1', alertId: 'a3', source: 'AzureMonitor', state: 'Claimed' as const, claimedAt: claimAt, updatedAt: claimAt, attempt: 1 };
    await store.createAlertTrigger(claim);
    const jobName = jobNameOf(claim);
    await store.createJob({ id: jobName, vaultKey: VAULT_KEY, name: jobName, armId: `${VAULT_ID}/replicationJobs/${jobName}`, properties: {}, createdAt: claimAt });

    expect(await trigger.act(vault, rule, alert('a3'))).toMatchObject({ outcome: 'Duplicate', reason: expect.stringContaining('acting on it') });
    now += 3 * 60_000; // the claim is stale now
    expect(await trigger.act(vault, rule, alert('a3'))).toMatchObject({ outcome: 'Duplicate', jobId: `${VAULT_ID}/replicationJobs/${jobName}` });
    expect(jobs.starts).toHaveLength(0);
    expect(await store.getAlertTrigger(VAULT_KEY, claimId)).toMatchObject({ state: 'Started', jobId: `${VAULT_ID}/replicationJobs/${jobName}` });
  });

  it('a stale claim whose host died before starting anything is taken over and acts once', async () => {
    jobs.starts = [];
    const at = new Date(now - 5 * 60_000).toISOString();
    const claimId = claimIdOf('r1', 'a4');
    await store.createAlertTrigger({ id: claimId, vaultKey: VAULT_KEY, rule: 'r1', alertId: 'a4', source: 'AzureMonitor', state: 'Claimed', claimedAt: at, updatedAt: at, attempt: 1 });
    const outcomes = await Promise.all([trigger.act(vault, rule, alert('a4')), trigger.act(vault, rule, alert('a4'))]);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['AwaitingApproval', 'Duplicate']);
    expect(jobs.starts).toHaveLength(1);
  });
});
