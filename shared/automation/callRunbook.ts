import { createHash } from 'node:crypto';
import type { AutomationSettings } from './AutomationSettings';
import { signCallbackToken, type CallbackSubject } from './callbackToken';
import { invokeRunbookWebhook } from './invokeRunbookWebhook';
import type { RecoveryPlanContext } from './policy/RecoveryPlanContext';
import { runbookCallbackUrl } from './runbookCallback';
import { runbookWebhookOf } from './policy/RunbookWebhookSetting';

/** What starting a runbook needs: which runbook, whose callback, how long the callback lives, the context. */
export interface CallRunbookRequest {
  runbookId: string;
  subject: CallbackSubject;
  ttlSeconds: number;
  /** The token's issue time (the orchestration's clock when it has one). */
  now?: Date;
  context: Omit<RecoveryPlanContext, 'callbackUrl' | 'callbackExpiresAt'>;
}

export interface CalledRunbook {
  tokenId: string;
  expiresAt: Date;
  /** Automation job ids from the webhook's answer. */
  jobIds: string[];
  /** The runbook's configured timeout behaviour, if any. */
  onTimeout?: 'Fail' | 'Continue';
}

/**
 * The one way a runbook is started, for the orchestrator's activity and `startRunbookAction`
 * alike: the webhook comes from configuration only (never from the plan, never from a
 * URL-shaped runbook id), a single-use callback token is signed, the context is POSTed. The
 * token id is derived from instance, task and event, so a retried activity issues the same id
 * and only one callback for the task is ever accepted.
 */
export async function callRunbook(settings: AutomationSettings, request: CallRunbookRequest, fetchImpl?: typeof fetch): Promise<CalledRunbook> {
  const webhook = runbookWebhookOf(settings.webhooks, request.runbookId);
  const s = request.subject;
  const tokenId = createHash('sha256').update(`${s.instanceId}\n${s.task}\n${s.eventName}`).digest('base64url').slice(0, 32);
  const { token, claims } = await signCallbackToken(s, settings.signingKey, { ttlSeconds: request.ttlSeconds, now: request.now, tokenId });
  const expiresAt = new Date(claims.expiresAt * 1000);
  const answer = await invokeRunbookWebhook(webhook.webhookUrl, {
    ...request.context,
    callbackUrl: runbookCallbackUrl(settings.publicBaseUrl, token),
    callbackExpiresAt: expiresAt.toISOString(),
  }, { timeoutMs: settings.webhookRequestTimeoutMs, fetchImpl, label: request.runbookId });
  return { tokenId, expiresAt, jobIds: answer.jobIds, ...(webhook.onTimeout ? { onTimeout: webhook.onTimeout } : {}) };
}
