import { createHash } from 'node:crypto';
import { actionDeadline, actionTimeoutPolicyOf, callbackTokenTtlSeconds } from './actionTimeouts';
import { ActionTimeoutPolicy } from './ActionTimeoutPolicy';
import { AutomationError } from './AutomationError';
import { AutomationSettings } from './AutomationSettings';
import { buildRecoveryPlanContext, RecoveredMachineInfo } from './buildRecoveryPlanContext';
import { CallbackSubject, signCallbackToken } from './callbackToken';
import { invokeRunbookWebhook } from './invokeRunbookWebhook';
import { AutomationRunbookTaskDetails } from './ManualActionTaskDetails';
import { RecoveryPlanActionDetails } from './RecoveryPlanActionDetails';
import { runbookCallbackUrl } from './runbookCallback';

type RunbookDetails = Extract<RecoveryPlanActionDetails, { instanceType: 'AutomationRunbookActionDetails' }>;

/** What the orchestrator hands the activity that starts a runbook action. JSON-safe. */
export interface StartRunbookActionInput extends CallbackSubject {
  actionName: string;
  details: RunbookDetails;
  failoverType: 'TestFailover' | 'PlannedFailover' | 'UnplannedFailover';
  failoverDirection: 'PrimaryToRecovery' | 'RecoveryToPrimary';
  groupId: string;
  subscriptionId: string;
  machines: RecoveredMachineInfo[];
  /** When the action started, from the orchestration's clock (ISO 8601): the deadline counts from here. */
  startedAt: string;
}

/** What the activity returns: the orchestrator arms its timer at `deadline` and waits for `eventName`. */
export interface StartedRunbookAction {
  tokenId: string;
  policy: ActionTimeoutPolicy;
  /** ISO 8601; the token expires `tokenGraceSeconds` later. */
  deadline: string;
  /** The task's `customDetails` so far (`jobOutput` is filled in when the outcome arrives). */
  taskDetails: AutomationRunbookTaskDetails;
}

/**
 * Starts a runbook action: signs a callback token, builds the context and POSTs it to the
 * runbook's webhook. The token id is derived from instance, task and event, so a retried
 * activity issues the same id and only one callback for the task is ever accepted (the runbook
 * may still run twice: runbooks should be idempotent, as ASR also asks).
 */
export async function startRunbookAction(input: StartRunbookActionInput, deps: { settings: AutomationSettings; fetchImpl?: typeof fetch }): Promise<StartedRunbookAction> {
  const { settings } = deps;
  if (!input.details.webhookUrl) throw new AutomationError('RunbookWebhookMissing', `runbook action "${input.actionName}" has no webhookUrl; create a webhook for ${input.details.runbookId} and set it on the action`);
  const policy = actionTimeoutPolicyOf(input.details, settings);
  const startedAt = new Date(input.startedAt);
  const deadline = actionDeadline(startedAt, policy) ?? new Date(startedAt.getTime() + callbackTokenTtlSeconds(policy, 0) * 1000);
  const tokenId = createHash('sha256').update(`${input.instanceId}\n${input.task}\n${input.eventName}`).digest('base64url').slice(0, 32);
  const subject: CallbackSubject = { vault: input.vault, plan: input.plan, job: input.job, task: input.task, instanceId: input.instanceId, eventName: input.eventName };
  const { token, claims } = await signCallbackToken(subject, settings.signingKey, { ttlSeconds: callbackTokenTtlSeconds(policy, settings.tokenGraceSeconds), now: startedAt, tokenId });
  const context = buildRecoveryPlanContext({
    plan: input.plan, failoverType: input.failoverType, failoverDirection: input.failoverDirection, groupId: input.groupId,
    subscriptionId: input.subscriptionId, machines: input.machines,
    callbackUrl: runbookCallbackUrl(settings.publicBaseUrl, token), callbackExpiresAt: new Date(claims.expiresAt * 1000),
  });
  const answer = await invokeRunbookWebhook(input.details.webhookUrl, context, { timeoutMs: settings.webhookRequestTimeoutMs, fetchImpl: deps.fetchImpl });
  return {
    tokenId,
    policy,
    deadline: deadline.toISOString(),
    taskDetails: {
      instanceType: 'AutomationRunbookTaskDetails',
      name: input.actionName,
      runbookId: input.details.runbookId,
      runbookName: input.details.runbookId.split('/').pop() ?? input.details.runbookId,
      jobId: answer.jobIds[0] ?? tokenId,
      jobOutput: '',
      isPrimarySideScript: input.details.fabricLocation === 'Primary',
    },
  };
}
