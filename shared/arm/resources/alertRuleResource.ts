import { z } from 'zod';
import { ServiceError } from '../../errors';
import type { AlertRuleProperties, ResourceDocument } from '../../metadata';
import { parseBody } from '../parseBody';
import { resolveReference } from '../resolveReference';
import type { BuildContext, ResourceDefinition } from '../ResourceDefinition';
import { hashRuleSecret, ruleSecretHint } from '../alerts/ruleSecret';

/** Azure Monitor's severities (`essentials.severity`). */
export const ALERT_SEVERITIES = ['Sev0', 'Sev1', 'Sev2', 'Sev3', 'Sev4'] as const;
export const ALERT_SOURCES = ['AzureMonitor', 'EventGrid', 'CloudEvents'] as const;
const ACTION_KINDS = ['TestFailover', 'Drill', 'UnplannedFailover', 'RaiseEvent'] as const;

const text = (max: number) => z.string().min(1).max(max);
const list = <T extends z.ZodType>(item: T) => z.array(item).min(1).max(20).optional();

const ruleInput = z.object({
  properties: z.object({
    friendlyName: text(200).optional(),
    /** Write-only: the shared secret senders put in the URL (`?secret=`) or the `x-asr-rule-secret` header. */
    secret: z.string().min(32, 'at least 32 characters (generate one: asr rule create does)').max(256)
      .regex(/^[A-Za-z0-9._~-]+$/, 'letters, digits and . _ ~ - only, so it fits a URL query unescaped').optional(),
    match: z.object({
      sources: list(z.enum(ALERT_SOURCES)),
      alertRuleNames: list(text(260)),
      severities: list(z.enum(ALERT_SEVERITIES)),
      resourceIds: list(text(2000)),
      eventTypes: list(text(260)),
    }).strict().optional(),
    action: z.object({
      kind: z.enum(ACTION_KINDS),
      recoveryPlanId: text(2000).optional(),
      networkId: text(2000).optional(),
      /** Drill: the name of the plan's drill schedule (its point, checks, keep-up time and network). */
      drillSchedule: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,79}$/, 'a drill schedule name: letters, digits and -').optional(),
      recoveryPointType: z.enum(['Latest', 'LatestProcessed', 'LatestApplicationConsistent', 'LatestCrashConsistent']).optional(),
      autoExecute: z.boolean().optional(),
    }).strict(),
    state: z.never({ error: 'a rule is enabled and disabled with POST …/enable and …/disable (asr rule enable|disable), not by PUT' }).optional(),
  }).strict(),
});

/**
 * The action as given, checked against what exists: a failover needs a recovery plan of this
 * vault, a drill also one of the plan's drill schedules; `autoExecute` only means something for an
 * unplanned failover (a test failover never waits for approval, raising an event changes nothing).
 */
async function actionOf(a: z.infer<typeof ruleInput>['properties']['action'], ctx: BuildContext): Promise<{ action: AlertRuleProperties['action']; refs: string[] }> {
  if (a.autoExecute && a.kind !== 'UnplannedFailover') {
    throw new ServiceError('InvalidRequestBody', `properties.action.autoExecute: only an UnplannedFailover waits for approval, so only it can skip the wait (kind is ${a.kind})`, { details: { target: 'properties.action.autoExecute' } });
  }
  if (a.kind === 'RaiseEvent') {
    if (a.recoveryPlanId || a.networkId) throw new ServiceError('InvalidRequestBody', 'properties.action: RaiseEvent takes no recoveryPlanId or networkId', { details: { target: 'properties.action' } });
    return { action: { kind: a.kind, autoExecute: false }, refs: [] };
  }
  if (!a.recoveryPlanId) throw new ServiceError('InvalidRequestBody', `properties.action.recoveryPlanId: ${a.kind} needs the ARM id of a recovery plan of this vault`, { details: { target: 'properties.action.recoveryPlanId' } });
  if (a.networkId && a.kind !== 'TestFailover') throw new ServiceError('InvalidRequestBody', 'properties.action.networkId: only a TestFailover joins a test network (a drill uses its schedule\'s)', { details: { target: 'properties.action.networkId' } });
  if ((a.kind === 'Drill') !== (a.drillSchedule !== undefined)) {
    throw new ServiceError('InvalidRequestBody', a.kind === 'Drill'
      ? 'properties.action.drillSchedule: a Drill runs with one of the plan\'s drill schedules (asr drill schedule …); name it'
      : `properties.action.drillSchedule: only a Drill takes a drill schedule (kind is ${a.kind})`, { details: { target: 'properties.action.drillSchedule' } });
  }
  const plan = await resolveReference(ctx, a.recoveryPlanId, 'recoveryPlan', 'properties.action.recoveryPlanId');
  const schedule = a.drillSchedule === undefined ? undefined
    : await resolveReference(ctx, `${plan.armId}/drillSchedules/${a.drillSchedule}`, 'drillSchedule', 'properties.action.drillSchedule');
  return {
    action: {
      kind: a.kind, recoveryPlanId: plan.armId, autoExecute: a.autoExecute ?? false, ...(a.networkId ? { networkId: a.networkId } : {}),
      ...(a.recoveryPointType ? { recoveryPointType: a.recoveryPointType } : {}), ...(schedule ? { drillScheduleId: schedule.armId } : {}),
    },
    refs: [plan.armId.toLowerCase()],
  };
}

/**
 * Our `replicationAlertRules` (docs/alert-rules.md): which alerts of the customer's monitoring
 * start what. Created disabled; a PUT that replaces keeps the state and, without a new
 * `secret`, the secret. The secret is stored as a SHA-256 digest and answered as a hint only.
 */
export const alertRuleResource: ResourceDefinition<AlertRuleProperties> = {
  kind: 'alertRule',
  collections: ['replicationAlertRules'],
  storedAncestors: [],
  type: 'Microsoft.RecoveryServices/vaults/replicationAlertRules',
  putReplaces: true,
  asyncPut: false,
  asyncDelete: false,
  createSchema: ruleInput,
  async build(input, ctx, existing?: ResourceDocument<AlertRuleProperties>) {
    const p = parseBody(ruleInput, input).properties;
    if (!p.secret && !existing) {
      throw new ServiceError('InvalidRequestBody', 'properties.secret: a new rule needs a secret of at least 32 characters (senders present it; it is never answered)', { details: { target: 'properties.secret' } });
    }
    const { action, refs } = await actionOf(p.action, ctx);
    const m = p.match ?? {};
    return {
      properties: {
        friendlyName: p.friendlyName ?? ctx.name,
        state: existing?.properties.state ?? 'Disabled',
        match: {
          ...(m.sources ? { sources: m.sources } : {}), ...(m.alertRuleNames ? { alertRuleNames: m.alertRuleNames } : {}),
          ...(m.severities ? { severities: m.severities } : {}), ...(m.resourceIds ? { resourceIds: m.resourceIds } : {}),
          ...(m.eventTypes ? { eventTypes: m.eventTypes } : {}),
        },
        action,
        secretHash: p.secret ? hashRuleSecret(p.secret) : existing!.properties.secretHash,
        secretHint: p.secret ? ruleSecretHint(p.secret) : existing!.properties.secretHint,
      },
      refs,
    };
  },
  present(p) {
    const { secretHash: _hash, ...shown } = p;
    return shown;
  },
};
