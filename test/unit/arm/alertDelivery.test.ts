import { mismatchOf } from '../../../shared/arm/alerts/matchAlert';
import { parseAlertDelivery, type IncomingAlert } from '../../../shared/arm/alerts/parseAlertDelivery';
import { hashRuleSecret, ruleSecretHint, ruleSecretMatches } from '../../../shared/arm/alerts/ruleSecret';
import { ServiceError } from '../../../shared/errors';
import { planRecoverySteps } from '../../../shared/recovery/plan/planRecoverySteps';

const VM = '/subscriptions/s1/resourceGroups/prod/providers/Microsoft.Compute/virtualMachines/web';
const JSON_TYPE = { 'content-type': 'application/json' };

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (err) {
    return err instanceof ServiceError ? err.code : 'not a ServiceError';
  }
}

describe('parseAlertDelivery: the three schemas a rule trigger takes', () => {
  it('reads an Azure Monitor alert in the common alert schema', () => {
    const d = parseAlertDelivery({
      schemaId: 'azureMonitorCommonAlertSchema',
      data: { essentials: { alertId: '/alerts/1', alertRule: 'cpu', severity: 'Sev2', monitorCondition: 'Resolved', alertTargetIDs: [VM] }, alertContext: { any: 'thing' } },
    }, JSON_TYPE);
    expect(d).toEqual({ kind: 'alerts', alerts: [expect.objectContaining({ source: 'AzureMonitor', alertId: '/alerts/1', alertRuleName: 'cpu', severity: 'Sev2', monitorCondition: 'Resolved', targetIds: [VM] })] });
  });

  it('answers Event Grid\'s validation event with its code, and reads common-schema alerts inside Event Grid data', () => {
    const validation = [{ id: 'v', subject: '', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', eventTime: 't', dataVersion: '1', data: { validationCode: 'abc' } }];
    expect(parseAlertDelivery(validation, { 'aeg-event-type': 'SubscriptionValidation' })).toEqual({ kind: 'validation', validationCode: 'abc' });
    const routed = [{ id: 'eg-7', subject: 's', topic: 't', eventType: 'Microsoft.AlertsManagement.Alert.Activated', eventTime: 't', dataVersion: '1',
      data: { essentials: { alertId: '/alerts/9', alertRule: 'disk', severity: 'Sev0', monitorCondition: 'Fired', alertTargetIDs: [VM] } } }];
    const d = parseAlertDelivery(routed, JSON_TYPE);
    expect(d.kind === 'alerts' && d.alerts[0]).toMatchObject({ source: 'EventGrid', alertId: '/alerts/9', alertRuleName: 'disk', eventType: 'Microsoft.AlertsManagement.Alert.Activated', targetIds: [VM] });
  });

  it('reads structured CloudEvents (one or a batch); the dedup key is source and id; a …Resolved type is resolved', () => {
    const d = parseAlertDelivery([
      { specversion: '1.0', id: '1', source: '/mon', type: 'x.down' },
      { specversion: '1.0', id: '1', source: '/mon', type: 'x.Resolved' },
    ], { 'content-type': 'application/cloudevents-batch+json' });
    expect(d.kind === 'alerts' && d.alerts.map((a) => [a.alertId, a.monitorCondition])).toEqual([['/mon#1', 'Fired'], ['/mon#1', 'Resolved']]);
  });

  it('refuses what none of them is, naming the field, as AlertPayloadInvalid', () => {
    expect(codeOf(() => parseAlertDelivery({ hello: 1 }, JSON_TYPE))).toBe('AlertPayloadInvalid');
    expect(codeOf(() => parseAlertDelivery('text', JSON_TYPE))).toBe('AlertPayloadInvalid');
    expect(codeOf(() => parseAlertDelivery([], { 'aeg-event-type': 'Notification' }))).toBe('AlertPayloadInvalid');
    expect(codeOf(() => parseAlertDelivery({ specversion: '0.3', id: '1', source: 's', type: 't' }, JSON_TYPE))).toBe('AlertPayloadInvalid');
    expect(() => parseAlertDelivery({ schemaId: 'azureMonitorCommonAlertSchema', data: { essentials: { alertId: 'a', monitorCondition: 'Sleeping' } } }, JSON_TYPE))
      .toThrow(/monitorCondition/);
  });
});

describe('mismatchOf: what a rule acts on', () => {
  const alert: IncomingAlert = { source: 'AzureMonitor', alertId: 'a', alertRuleName: 'Web-Down', severity: 'Sev1', monitorCondition: 'Fired', targetIds: [`${VM}/extensions/x`], eventType: 'azureMonitorCommonAlertSchema' };

  it('acts on a fired alert meeting every condition given (names and ids case-insensitively, resources at or under an id)', () => {
    expect(mismatchOf(alert, {})).toBeUndefined();
    expect(mismatchOf(alert, { alertRuleNames: ['web-down'], severities: ['Sev0', 'Sev1'], resourceIds: [VM.toLowerCase()], sources: ['AzureMonitor'] })).toBeUndefined();
  });

  it('never acts on a resolved alert, and says which condition failed', () => {
    expect(mismatchOf({ ...alert, monitorCondition: 'Resolved' }, {})).toMatch(/Resolved/);
    expect(mismatchOf(alert, { severities: ['Sev0'] })).toMatch(/severity Sev1/);
    expect(mismatchOf(alert, { resourceIds: [`${VM}2`] })).toMatch(/resourceIds/);
    expect(mismatchOf(alert, { eventTypes: ['x'] })).toMatch(/event type/);
    expect(mismatchOf(alert, { sources: ['CloudEvents'] })).toMatch(/source/);
  });
});

describe('rule secrets', () => {
  it('are kept as a digest, shown as a hint, and checked against the digest', () => {
    const s = 'x'.repeat(30) + 'abcd';
    expect(ruleSecretHint(s)).toBe('…abcd');
    expect(ruleSecretMatches(s, hashRuleSecret(s))).toBe(true);
    expect(ruleSecretMatches(`${s}!`, hashRuleSecret(s))).toBe(false);
    expect(ruleSecretMatches(undefined, hashRuleSecret(s))).toBe(false);
  });
});

describe('planRecoverySteps: the approval gate', () => {
  const plan = {
    targetId: 'p', targetName: 'p', targetType: 'RecoveryPlan' as const,
    groups: [{ groupType: 'Boot' as const, items: [{ itemId: 'i', name: 'vm' }], startGroupActions: [], endGroupActions: [] }],
  };

  it('is a manual action right after the prerequisites, before the source is shut down', () => {
    const { steps, tasks } = planRecoverySteps(plan, 'UnplannedFailover', { direction: 'PrimaryToRecovery', sourceSiteOperations: 'Required', approval: { actionName: 'Approve', description: 'approve it' } });
    expect(steps.map((s) => s.taskId)).toEqual(['prereq', 'approval', 'shutdown', 'g0']);
    expect(steps[1]).toMatchObject({ kind: 'action', action: { customDetails: { instanceType: 'ManualActionDetails', description: 'approve it' }, failoverTypes: ['UnplannedFailover'] } });
    expect(tasks[1]).toMatchObject({ taskType: 'ManualActionTask', name: 'Approve' });
    expect(planRecoverySteps(plan, 'UnplannedFailover', { direction: 'PrimaryToRecovery' }).steps.map((s) => s.taskId)).toEqual(['prereq', 'g0']);
  });
});
