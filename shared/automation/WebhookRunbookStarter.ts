import { callRunbook, type AutomationSettings } from './';
import type { RunbookStarter, StartRunbookRequest } from './RunbookStarter';

/**
 * Starts runbooks through Automation webhooks ({@link callRunbook}). A webhook URL carries its
 * own secret, so it lives in configuration (`ASR_RUNBOOK_WEBHOOKS`, in Azure a Key Vault
 * reference), never in the plan document that every Reader can GET; a runbook id is never
 * taken for a URL.
 */
export class WebhookRunbookStarter implements RunbookStarter {
  constructor(private readonly settings: AutomationSettings) {}

  async start(request: StartRunbookRequest): Promise<{ tokenId: string; expiresAt: string; onTimeout?: 'Fail' | 'Continue' }> {
    const called = await callRunbook(this.settings, {
      runbookId: request.runbookId,
      subject: { vault: request.vaultKey, plan: request.planName, job: request.jobId, task: request.taskId, instanceId: request.instanceId, eventName: request.eventName },
      ttlSeconds: request.ttlSeconds,
      context: request.context,
    });
    return { tokenId: called.tokenId, expiresAt: called.expiresAt.toISOString(), ...(called.onTimeout ? { onTimeout: called.onTimeout } : {}) };
  }
}
