import { ServiceError } from '../../errors';
import { resourceDocumentId, type AlertRuleProperties, type ResourceDocument } from '../../metadata';
import { requireRole } from '../../security';
import type { ArmContext } from '../ArmContext';
import type { ArmResponse } from '../ArmRequest';
import { ALERT_SENDER, VAULT_PREFIX, type ArmRoute } from '../ArmRoute';
import { parseJson } from '../parseBody';
import { alertRuleResource } from '../resources/alertRuleResource';
import { presentScopeOf, shapeResource } from '../shapeResource';
import type { AlertOutcome, AlertRuleTrigger } from './AlertRuleTrigger';
import { parseAlertDelivery } from './parseAlertDelivery';
import { ruleSecretMatches } from './ruleSecret';

const JSON_HEADERS = { 'content-type': 'application/json' };
const RULE = [...VAULT_PREFIX, 'replicationAlertRules', '{rule}'];

/** The header a sender may put the rule's secret in (instead of the `secret` query parameter). */
export const RULE_SECRET_HEADER = 'x-asr-rule-secret';

async function ruleOf(ctx: ArmContext): Promise<ResourceDocument<AlertRuleProperties> | undefined> {
  await ctx.requireVault();
  const doc = await ctx.store.getResource<AlertRuleProperties>(ctx.vaultKey!, resourceDocumentId(['replicationAlertRules', ctx.captures[3]]));
  return doc?.kind === 'alertRule' ? doc : undefined;
}

/** `POST …/enable|disable`: a read-modify-write of the state under the ETag just read. */
async function setState(ctx: ArmContext, state: AlertRuleProperties['state']): Promise<ArmResponse> {
  const vault = await ctx.requireVault();
  for (let attempt = 1; ; attempt++) {
    const rule = await ruleOf(ctx);
    if (!rule) throw new ServiceError('NotFound', `alert rule '${ctx.captures[3]}' does not exist in vault '${vault.name}'`);
    try {
      const saved = await ctx.store.replaceResource({ ...rule, properties: { ...rule.properties, state }, updatedAt: ctx.now().toISOString(), updatedBy: ctx.principal.subject }, { ifMatch: rule._etag });
      return { status: 200, headers: { ...JSON_HEADERS, ...(saved._etag ? { etag: saved._etag } : {}) }, body: await shapeResource(saved, alertRuleResource, vault.location, presentScopeOf(ctx)) };
    } catch (err) {
      if (!(err instanceof ServiceError && err.code === 'PreconditionFailed') || attempt >= 5) throw err;
    }
  }
}

/** Enable and disable of a rule (the resource's CRUD comes from its definition). */
export function alertRuleRoutes(): ArmRoute[] {
  return [
    { method: 'POST', pattern: [...RULE, 'enable'], role: 'Contributor', action: 'enable replicationAlertRules', handler: (ctx) => setState(ctx, 'Enabled') },
    { method: 'POST', pattern: [...RULE, 'disable'], role: 'Contributor', action: 'disable replicationAlertRules', handler: (ctx) => setState(ctx, 'Disabled') },
  ];
}

function secretInvalid(): ServiceError {
  return new ServiceError('AlertRuleSecretInvalid',
    `the rule's secret is missing or wrong: send it as ?secret=… or in the ${RULE_SECRET_HEADER} header (or send an Entra token with the Operator role); check the endpoint, vault and rule`);
}

/**
 * Who sent the alert: a bearer token ArmApi verified (Operator at least; an unplanned failover
 * rule needs Contributor, as the API's own unplannedFailover does), or the rule's secret. An
 * unknown vault or rule answers like a wrong secret, so strangers learn nothing.
 */
async function authenticate(ctx: ArmContext): Promise<ResourceDocument<AlertRuleProperties>> {
  let rule: ResourceDocument<AlertRuleProperties> | undefined;
  try {
    rule = await ruleOf(ctx);
  } catch (err) {
    if (!(err instanceof ServiceError && err.code === 'NotFound') || ctx.principal !== ALERT_SENDER) throw err;
  }
  if (ctx.principal !== ALERT_SENDER) {
    if (!rule) throw new ServiceError('NotFound', `alert rule '${ctx.captures[3]}' does not exist in this vault`);
    if (rule.properties.action.kind === 'UnplannedFailover') requireRole(ctx.principal.roles, 'Contributor', 'trigger an unplanned failover rule');
    ctx.auditDetails.caller = `token ${ctx.principal.subject}`;
    return rule;
  }
  const presented = ctx.request.headers[RULE_SECRET_HEADER] ?? ctx.url.searchParams.get('secret') ?? undefined;
  if (!rule || !ruleSecretMatches(presented, rule.properties.secretHash)) throw secretInvalid();
  ctx.auditDetails.caller = 'rule secret';
  return rule;
}

/** The outcome as answered (the failure's object stays on the server). */
function shown(o: AlertOutcome): Omit<AlertOutcome, 'cause'> {
  const { cause: _cause, ...rest } = o;
  return rest;
}

async function triggerHandler(ctx: ArmContext, trigger: AlertRuleTrigger): Promise<ArmResponse> {
  ctx.auditDetails.rule = ctx.captures[3];
  const rule = await authenticate(ctx);
  const delivery = parseAlertDelivery(parseJson(ctx.request.bodyText), ctx.request.headers);
  if (delivery.kind === 'validation') {
    ctx.auditDetails.outcome = 'EventGridSubscriptionValidated';
    return { status: 200, headers: JSON_HEADERS, body: { validationResponse: delivery.validationCode } };
  }
  const vault = await ctx.requireVault();
  const outcomes: AlertOutcome[] = [];
  for (const alert of delivery.alerts) outcomes.push(await trigger.act(vault, rule, alert));
  ctx.auditDetails.alertId = outcomes.map((o) => o.alertId).join(' ').slice(0, 1000);
  ctx.auditDetails.source = [...new Set(delivery.alerts.map((a) => a.source))].join(',');
  ctx.auditDetails.outcome = outcomes.map((o) => o.outcome).join(',');
  const jobs = outcomes.flatMap((o) => (o.jobId ? [o.jobId] : []));
  if (jobs.length) ctx.auditDetails.jobId = jobs.join(' ');
  // One alert that failed answers with its own error (a sender retries 5xx, and a redelivery
  // may claim the alert again); in a batch the others' outcomes matter too, unless one may pass on retry.
  const failed = outcomes.filter((o) => o.outcome === 'Failed');
  const retryable = failed.find((o) => o.cause instanceof ServiceError && o.cause.retryable);
  if ((failed.length > 0 && outcomes.length === 1) || retryable) throw (retryable ?? failed[0]).cause;
  const started = outcomes.some((o) => o.outcome === 'Started' || o.outcome === 'AwaitingApproval');
  return { status: started ? 202 : 200, headers: JSON_HEADERS, body: { rule: rule.name, results: outcomes.map(shown) } };
}

/**
 * CloudEvents' webhook abuse protection: the sender asks with OPTIONS and `WebHook-Request-Origin`
 * whether this endpoint wants its deliveries. Answering yes reveals nothing and lets nothing in:
 * every POST still needs the rule's secret or a token.
 */
async function abuseProtectionHandler(ctx: ArmContext): Promise<ArmResponse> {
  const origin = ctx.request.headers['webhook-request-origin'];
  return {
    status: 200,
    headers: { allow: 'POST, OPTIONS', ...(origin ? { 'webhook-allowed-origin': origin.slice(0, 512), 'webhook-allowed-rate': '*' } : {}) },
  };
}

/**
 * The trigger of a rule, `POST …/replicationAlertRules/{rule}/trigger` (and its OPTIONS
 * handshake): the customer's monitoring calls it. Served with a Durable client (the actions start jobs).
 */
export function alertTriggerRoutes(trigger: AlertRuleTrigger): ArmRoute[] {
  return [
    { method: 'POST', pattern: [...RULE, 'trigger'], role: 'Operator', credential: 'alertRule', action: 'trigger replicationAlertRules', handler: (ctx) => triggerHandler(ctx, trigger) },
    { method: 'OPTIONS', pattern: [...RULE, 'trigger'], role: 'Reader', credential: 'alertRule', action: 'webhook handshake replicationAlertRules', handler: abuseProtectionHandler },
  ];
}
