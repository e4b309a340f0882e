import { createHash } from 'node:crypto';
import { AutomationError, invokeRunbookWebhook, runbookCallbackUrl, signCallbackToken, type AutomationSettings } from '../automation';
import type { RunbookStarter, StartRunbookRequest } from './RunbookStarter';

/**
 * The same for every run of one task's start (as shared/automation's startRunbookAction does): a
 * retried activity signs a token with the same id, so only one callback for the task is accepted.
 */
function callbackTokenIdOf(r: StartRunbookRequest): string {
  return createHash('sha256').update(`${r.instanceId}\n${r.taskId}\n${r.eventName}`).digest('base64url').slice(0, 32);
}

/** Per runbook (by id, case-insensitive): its webhook and what a timeout does. */
export interface RunbookWebhookSetting {
  webhookUrl: string;
  onTimeout?: 'Fail' | 'Continue';
}

/**
 * Starts runbooks through Automation webhooks. A webhook URL carries its own secret, so it lives
 * in configuration (`ASR_RUNBOOK_WEBHOOKS`, a JSON map from runbook id to
 * {@link RunbookWebhookSetting}; in Azure a Key Vault reference), not in the plan document that
 * every Reader can GET. An action may also name a `webhookUrl` itself, or use a webhook URL as
 * its `runbookId` (handy on a laptop).
 */
export class WebhookRunbookStarter implements RunbookStarter {
  constructor(
    private readonly settings: AutomationSettings,
    private readonly webhooks: Record<string, RunbookWebhookSetting> = {},
  ) {}

  static webhooksFromEnv(env: NodeJS.ProcessEnv = process.env): Record<string, RunbookWebhookSetting> {
    if (!env.ASR_RUNBOOK_WEBHOOKS) return {};
    try {
      const parsed = JSON.parse(env.ASR_RUNBOOK_WEBHOOKS) as Record<string, RunbookWebhookSetting | string>;
      return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k.toLowerCase(), typeof v === 'string' ? { webhookUrl: v } : v]));
    } catch (err) {
      throw new AutomationError('AutomationNotConfigured', 'ASR_RUNBOOK_WEBHOOKS must be JSON: {"<runbook id>": {"webhookUrl": "...", "onTimeout": "Fail"|"Continue"}}', { cause: err });
    }
  }

  async start(request: StartRunbookRequest): Promise<{ tokenId: string; expiresAt: string; onTimeout?: 'Fail' | 'Continue' }> {
    const setting = this.webhooks[request.runbookId.toLowerCase()];
    const webhookUrl = request.webhookUrl ?? setting?.webhookUrl ?? (/^https?:\/\//i.test(request.runbookId) ? request.runbookId : undefined);
    if (!webhookUrl) {
      throw new AutomationError('RunbookWebhookMissing', `runbook ${request.runbookId} has no webhook; create one in Azure Automation and add it to ASR_RUNBOOK_WEBHOOKS`);
    }
    const { token, claims } = await signCallbackToken({
      vault: request.vaultKey, plan: request.planName, job: request.jobId, task: request.taskId, instanceId: request.instanceId, eventName: request.eventName,
    }, this.settings.signingKey, { ttlSeconds: request.ttlSeconds, tokenId: callbackTokenIdOf(request) });
    const expiresAt = new Date(claims.expiresAt * 1000);
    await invokeRunbookWebhook(webhookUrl, {
      ...request.context,
      callbackUrl: runbookCallbackUrl(this.settings.publicBaseUrl, token),
      callbackExpiresAt: expiresAt.toISOString(),
    }, { timeoutMs: this.settings.webhookRequestTimeoutMs });
    return { tokenId: claims.tokenId, expiresAt: expiresAt.toISOString(), ...(setting?.onTimeout ? { onTimeout: setting.onTimeout } : {}) };
  }
}
