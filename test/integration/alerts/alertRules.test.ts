import { join } from 'node:path';
import { registerJobCommands } from '../../../cli/commands/job';
import { registerRuleCommands } from '../../../cli/commands/rule';
import { runAsrInProcess } from '../../support/runAsrInProcess';
import { createSite, ReplicatedDisk, RG, startRecoveryHost, SUB, V, VAULT_KEY, waitForJob, type RecoveryHost } from '../recovery/recoveryHarness';

const MIB = 1024 * 1024;
const T0 = Date.UTC(2026, 11, 5, 9, 0);
const SECRET = 'alert-secret-0123456789-abcdefghijklmnopq';
const RULES = `${V}/replicationAlertRules`;

/** An Azure Monitor alert in the common alert schema, as an action group's webhook posts it. */
function monitorAlert(alertId: string, monitorCondition: 'Fired' | 'Resolved' = 'Fired', alertRule = 'web-down') {
  return {
    schemaId: 'azureMonitorCommonAlertSchema',
    data: {
      essentials: {
        alertId: `/subscriptions/${SUB}/providers/Microsoft.AlertsManagement/alerts/${alertId}`, alertRule, severity: 'Sev1', signalType: 'Metric',
        monitorCondition, monitoringService: 'Platform', alertTargetIDs: [`/subscriptions/${SUB}/resourcegroups/prod/providers/microsoft.compute/virtualmachines/web`],
        configurationItems: ['web'], originAlertId: alertId, firedDateTime: '2026-12-05T09:00:00Z', description: 'web answers 5xx', essentialsVersion: '1.0', alertContextVersion: '1.0',
      },
      alertContext: {},
    },
  };
}

/**
 * The inbound half of issue 14's signals on the real compiled app in funclocal (Durable
 * Functions on Azurite, Cosmos DB, the local fabric): alerts POSTed on loopback in the three
 * schemas a rule's trigger takes, acting through rules made with `asr rule`.
 */
describe('alert rules: monitoring alerts start recovery (funclocal, Azurite, Cosmos DB)', () => {
  let h: RecoveryHost;
  const env = () => ({ ASR_ENDPOINT: h.host.baseUrl, ASR_SUBSCRIPTION: SUB, ASR_RESOURCE_GROUP: RG, ASR_DEV_ISSUER_DIR: join(h.dir, 'dev-issuer') });
  const asr = (...args: string[]) => runAsrInProcess([registerRuleCommands, registerJobCommands], args, env());
  /** POSTs to a rule's trigger without a bearer token, as a monitoring system does. */
  const post = async (rule: string, body: unknown, options: { secret?: string | null; headers?: Record<string, string>; method?: string } = {}) => {
    const url = new URL(`${h.host.baseUrl}${RULES}/${rule}/trigger`);
    if (options.secret !== null) url.searchParams.set('secret', options.secret ?? SECRET);
    const res = await fetch(url, { method: options.method ?? 'POST', headers: { 'content-type': 'application/json', ...options.headers }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };
  const jobsOf = async (plan: string) => {
    const r = await h.call('GET', `${V}/replicationJobs`, undefined, 'Reader');
    return (r.body.value as any[]).filter((j) => j.properties.targetObjectName === plan);
  };

  beforeAll(async () => {
    h = await startRecoveryHost();
    const ids = await createSite(h, [{ name: 'web', disks: ['os'] }, { name: 'db', disks: ['os'] }, { name: 'app', disks: ['os'] }, { name: 'api', disks: ['os'] }]);
    for (const item of ['web', 'db', 'app', 'api']) {
      const disk = new ReplicatedDisk(h, item, 'os', 2 * MIB);
      await disk.change(T0, ['write -P 0x31 0 256k'], { full: true });
    }
    for (const [plan, item] of [['web-plan', ids.web], ['db-plan', ids.db], ['app-plan', ids.app], ['api-plan', ids.api]]) {
      const r = await h.call('PUT', `${V}/replicationRecoveryPlans/${plan}`, {
        properties: { primaryFabricId: `${V}/replicationFabrics/hv-site`, recoveryFabricId: 'Microsoft Azure', groups: [{ groupType: 'Boot', replicationProtectedItems: [{ id: item }] }] },
      });
      expect(r.status).toBeLessThan(300);
    }
  }, 240_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('asr rule create makes a disabled rule; GET shows a hint of the secret, never the secret', async () => {
    const created = await asr('rule', 'create', 'vault1', 'web-tfo', '--action', 'test-failover', '--plan', 'web-plan', '--network', 'test-vnet',
      '--alert-rule', 'web-down', '--severity', 'Sev0', '--severity', 'Sev1', '--secret', SECRET);
    expect(created.err).toBe('');
    expect(created.out).toContain('web-tfo: Disabled');
    expect(created.out).toContain(`/replicationAlertRules/web-tfo/trigger?secret=${SECRET}`);
    const shown = await h.call('GET', `${RULES}/web-tfo`, undefined, 'Reader');
    expect(shown.status).toBe(200);
    expect(shown.body.properties).toMatchObject({ state: 'Disabled', secretHint: `…${SECRET.slice(-4)}`, action: { kind: 'TestFailover', autoExecute: false } });
    expect(JSON.stringify(shown.body)).not.toContain(SECRET);
    expect(shown.body.properties.secretHash).toBeUndefined();
    const listed = await asr('rule', 'list', 'vault1');
    expect(listed.out).toMatch(/web-tfo\s+Disabled\s+alert rule web-down, severity Sev0\|Sev1\s+TestFailover of web-plan/);
  });

  it('a disabled rule starts nothing; without or with a wrong secret the call is 401', async () => {
    const disabled = await post('web-tfo', monitorAlert('a-disabled'));
    expect(disabled.status).toBe(200);
    expect(disabled.body.results).toEqual([expect.objectContaining({ outcome: 'RuleDisabled' })]);
    expect(await jobsOf('web-plan')).toEqual([]);

    expect((await asr('rule', 'enable', 'vault1', 'web-tfo')).out).toContain('web-tfo: Enabled');
    const missing = await post('web-tfo', monitorAlert('a-1'), { secret: null });
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe('AlertRuleSecretInvalid');
    const wrong = await post('web-tfo', monitorAlert('a-1'), { secret: `${SECRET.slice(0, -1)}X` });
    expect(wrong.status).toBe(401);
    const noRule = await post('no-such-rule', monitorAlert('a-1'));
    expect(noRule.status).toBe(401);
    expect(await jobsOf('web-plan')).toEqual([]);
  });

  it('an Azure Monitor alert starts the test failover of the plan once, for two deliveries of the same alert', async () => {
    const [first, second] = await Promise.all([post('web-tfo', monitorAlert('a-1')), post('web-tfo', monitorAlert('a-1'), { headers: {} })]);
    const outcomes = [first, second].map((r) => r.body.results[0].outcome).sort();
    expect(outcomes).toEqual(['Duplicate', 'Started']);
    const started = first.body.results[0].outcome === 'Started' ? first : second;
    expect(started.status).toBe(202);
    const again = await post('web-tfo', monitorAlert('a-1'), { secret: undefined, headers: { 'x-asr-rule-secret': SECRET } });
    expect(again.status).toBe(200);
    expect(again.body.results[0]).toMatchObject({ outcome: 'Duplicate', jobId: started.body.results[0].jobId });

    const jobs = await jobsOf('web-plan');
    expect(jobs).toHaveLength(1);
    const job = await waitForJob(h, jobs[0].name, (j) => j.properties.state === 'Suspended');
    expect(job.properties).toMatchObject({ scenarioName: 'TestFailover', stateDescription: 'WaitingForStopTestFailover' });

    const resolved = await post('web-tfo', monitorAlert('a-2', 'Resolved'));
    expect(resolved.body.results[0]).toMatchObject({ outcome: 'Ignored' });
    const otherRule = await post('web-tfo', monitorAlert('a-3', 'Fired', 'disk-full'));
    expect(otherRule.body.results[0].outcome).toBe('Ignored');
    expect(otherRule.body.results[0].reason).toContain('disk-full');
    expect(await jobsOf('web-plan')).toHaveLength(1);

    // Audited: caller, rule, alert id and outcome of each call, refusals included.
    const audit = (await h.store.listAudit(VAULT_KEY, { maxItemCount: 100 })).items.filter((a) => a.action === 'trigger replicationAlertRules');
    expect(audit.some((a) => a.result.status === 202 && a.details?.outcome === 'Started' && a.details.caller === 'rule secret' && a.details.alertId.endsWith('/a-1') && a.details.rule === 'web-tfo')).toBe(true);
    expect(audit.some((a) => a.result.status === 200 && a.details?.outcome === 'Duplicate')).toBe(true);
    expect(audit.some((a) => a.result.status === 401 && a.result.code === 'AlertRuleSecretInvalid' && a.principal === 'alert sender')).toBe(true);
  });

  it('an unplanned-failover rule waits for approval (a CloudEvent) and fails over on asr job resume', async () => {
    const put = await h.call('PUT', `${RULES}/db-dr`, {
      properties: { secret: SECRET, match: { sources: ['CloudEvents'], eventTypes: ['com.example.site.down'] }, action: { kind: 'UnplannedFailover', recoveryPlanId: `${V}/replicationRecoveryPlans/db-plan` } },
    });
    expect(put.status).toBe(201);
    expect((await asr('rule', 'enable', 'vault1', 'db-dr')).code).toBe(0);

    // CloudEvents' abuse protection: the sender asks first.
    const handshake = await post('db-dr', undefined, { method: 'OPTIONS', headers: { 'webhook-request-origin': 'eventgrid.azure.net' } });
    expect(handshake.status).toBe(200);
    expect(handshake.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');

    const event = { specversion: '1.0', id: 'ce-1', source: '/monitoring/site-a', type: 'com.example.site.down', time: '2026-12-05T09:10:00Z', datacontenttype: 'application/json', data: { severity: 'Sev0' } };
    const r = await post('db-dr', event, { headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' } });
    expect(r.status).toBe(202);
    expect(r.body.results[0]).toMatchObject({ outcome: 'AwaitingApproval' });
    const jobName = String(r.body.results[0].jobId).split('/').pop()!;
    const waiting = await waitForJob(h, jobName, (j) => j.properties.state === 'Suspended');
    const gate = waiting.properties.tasks.find((t: any) => t.taskId === 'approval');
    expect(gate).toMatchObject({ state: 'Suspended', taskType: 'ManualActionTask' });
    // Nothing failed over yet: the machines' group has not started.
    expect(waiting.properties.tasks.find((t: any) => t.taskType === 'GroupTask').state).toBe('NotStarted');

    const resumed = await asr('job', 'resume', 'vault1', jobName, '--comment', 'approved by on-call');
    expect(resumed.err).toBe('');
    const done = await waitForJob(h, jobName, (j) => ['Succeeded', 'Failed'].includes(j.properties.state), 90_000);
    expect(done.properties.state).toBe('Succeeded');
    expect(done.properties.scenarioName).toBe('UnplannedFailover');

    // The gate raised JobSuspended, saying how to go on.
    const suspended = await h.call('GET', `${V}/replicationEvents?$filter=${encodeURIComponent("eventCode eq 'JobSuspended'")}`, undefined, 'Reader');
    expect(suspended.body.value.some((e: any) => e.properties.affectedObjectFriendlyName === 'db-plan' && /asr job resume/.test(e.properties.recommendedAction))).toBe(true);

    // Another alert finds the plan failed over: the operation's refusal is the answer, and the audit has it.
    const later = await post('db-dr', { ...event, id: 'ce-2' }, { headers: { 'content-type': 'application/cloudevents+json' } });
    expect(later.status).toBe(409);
    expect(await jobsOf('db-plan')).toHaveLength(1);
  });

  it('an operator who cancels at the approval gate leaves the plan as it was; autoExecute skips the gate', async () => {
    const rule = (name: string, plan: string, autoExecute: boolean) => h.call('PUT', `${RULES}/${name}`, {
      properties: { secret: SECRET, match: { alertRuleNames: ['site-down'] }, action: { kind: 'UnplannedFailover', recoveryPlanId: `${V}/replicationRecoveryPlans/${plan}`, autoExecute } },
    });
    expect((await rule('app-dr', 'app-plan', false)).status).toBe(201);
    expect((await rule('api-dr', 'api-plan', true)).body.properties.action.autoExecute).toBe(true);
    for (const r of ['app-dr', 'api-dr']) expect((await asr('rule', 'enable', 'vault1', r)).code).toBe(0);

    const gated = await post('app-dr', monitorAlert('site-1', 'Fired', 'site-down'));
    const gatedJob = String(gated.body.results[0].jobId).split('/').pop()!;
    await waitForJob(h, gatedJob, (j) => j.properties.state === 'Suspended');
    expect((await asr('job', 'cancel', 'vault1', gatedJob)).err).toBe('');
    const cancelled = await waitForJob(h, gatedJob, (j) => ['Cancelled', 'Failed', 'Succeeded'].includes(j.properties.state));
    expect(cancelled.properties.state).toBe('Cancelled');
    const plan = await h.call('GET', `${V}/replicationRecoveryPlans/app-plan`, undefined, 'Reader');
    expect(plan.body.properties.allowedOperations).toContain('UnplannedFailover');

    const auto = await post('api-dr', monitorAlert('site-1', 'Fired', 'site-down'));
    expect(auto.status).toBe(202);
    expect(auto.body.results[0].outcome).toBe('Started');
    const autoJob = await waitForJob(h, String(auto.body.results[0].jobId).split('/').pop()!, (j) => ['Succeeded', 'Failed', 'Cancelled'].includes(j.properties.state), 90_000);
    expect(autoJob.properties.state).toBe('Succeeded');
    expect(autoJob.properties.tasks.map((t: any) => t.taskId)).not.toContain('approval');
  });

  it('answers Event Grid\'s subscription validation handshake, and a malformed payload with 400', async () => {
    const validation = [{
      id: 'v-1', topic: `/subscriptions/${SUB}/resourceGroups/prod/providers/Microsoft.EventGrid/topics/alerts`, subject: '', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
      eventTime: '2026-12-05T09:00:00Z', data: { validationCode: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6', validationUrl: 'https://rp-eastus2.eventgrid.azure.net/…' }, dataVersion: '2', metadataVersion: '1',
    }];
    const ok = await post('web-tfo', validation, { headers: { 'aeg-event-type': 'SubscriptionValidation' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' });
    const stranger = await post('web-tfo', validation, { secret: null, headers: { 'aeg-event-type': 'SubscriptionValidation' } });
    expect(stranger.status).toBe(401);

    const bad = await post('web-tfo', { schemaId: 'azureMonitorCommonAlertSchema', data: { essentials: { alertRule: 'web-down', monitorCondition: 'Fired' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('AlertPayloadInvalid');
    expect(bad.body.error.message).toContain('alertId');
    const junk = await post('web-tfo', { hello: 'world' });
    expect(junk.status).toBe(400);
  });

  it('Event Grid events raise an event through a RaiseEvent rule; a drill rule must name an existing drill schedule of its plan', async () => {
    const drill = await h.call('PUT', `${RULES}/drill`, { properties: { secret: SECRET, action: { kind: 'Drill', recoveryPlanId: `${V}/replicationRecoveryPlans/web-plan` } } });
    expect(drill.status).toBe(400);
    expect(drill.body.error.message).toContain('properties.action.drillSchedule');
    const missing = await h.call('PUT', `${RULES}/drill`, { properties: { secret: SECRET, action: { kind: 'Drill', recoveryPlanId: `${V}/replicationRecoveryPlans/web-plan`, drillSchedule: 'nightly' } } });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'InvalidReference' });

    expect((await asr('rule', 'create', 'vault1', 'notify', '--action', 'raise-event', '--source', 'EventGrid', '--secret', SECRET)).code).toBe(0);
    expect((await asr('rule', 'enable', 'vault1', 'notify')).code).toBe(0);
    const events = [{
      id: 'eg-1', topic: `/subscriptions/${SUB}/resourceGroups/prod/providers/Microsoft.Storage/storageAccounts/data`, subject: '/blobServices/default', eventType: 'Contoso.Site.Degraded',
      eventTime: '2026-12-05T09:20:00Z', data: { severity: 'Sev2' }, dataVersion: '1',
    }];
    const r = await post('notify', events, { headers: { 'aeg-event-type': 'Notification' } });
    expect(r.status).toBe(200);
    expect(r.body.results).toEqual([expect.objectContaining({ alertId: 'eg-1', outcome: 'EventRaised' })]);
    expect((await post('notify', events, { headers: { 'aeg-event-type': 'Notification' } })).body.results[0].outcome).toBe('Duplicate');
    const listed = await h.call('GET', `${V}/replicationEvents?$filter=${encodeURIComponent("eventCode eq 'AlertReceived'")}`, undefined, 'Reader');
    expect(listed.status).toBe(200);
    expect(listed.body.value).toHaveLength(1);
    expect(listed.body.value[0].properties).toMatchObject({ eventType: 'AlertRule', severity: 'Warning', affectedObjectFriendlyName: 'notify' });

    // An Entra token instead of the secret (an action group's secure webhook): verified as the API verifies tokens.
    const withToken = async (rule: string, role: 'Reader' | 'Operator' | 'Contributor', id: string) => post(rule, [{ ...events[0], id }],
      { secret: null, headers: { authorization: `Bearer ${await h.token(role)}`, 'aeg-event-type': 'Notification' } });
    expect((await withToken('notify', 'Reader', 'eg-2')).status).toBe(403);
    const operator = await withToken('notify', 'Operator', 'eg-3');
    expect(operator.status).toBe(200);
    expect(operator.body.results[0].outcome).toBe('EventRaised');
    // An unplanned failover rule needs what the API's unplannedFailover needs: Contributor.
    expect((await withToken('db-dr', 'Operator', 'eg-4')).status).toBe(403);
    const bogus = await post('notify', events, { secret: null, headers: { authorization: 'Bearer not-a-token' } });
    expect(bogus.status).toBe(401);

    expect((await asr('rule', 'disable', 'vault1', 'notify')).out).toContain('notify: Disabled');
    expect((await asr('rule', 'delete', 'vault1', 'notify')).out).toContain('deleted');
    expect((await h.call('GET', `${RULES}/notify`, undefined, 'Reader')).status).toBe(404);
  });
});
