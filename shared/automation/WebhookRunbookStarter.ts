import type { AutomationSettings } from './AutomationSettings';
import { callRunbook, type CalledRunbook } from './callRunbook';
import type { RunbookStarter, StartRunbookRequest } from './RunbookStarter';

/**
 * Starts the runbook a {@link StartRunbookRequest} names through {@link callRunbook}: the one
 * path from a runbook action to its webhook, for the recovery activity (through
 * {@link WebhookRunbookStarter}) and `startRunbookAction` alike. `now` is the token's issue time
 * (default: the clock).
 */
export function startRunbook(settings: AutomationSettings, request: StartRunbookRequest, options: { now?: Date; fetchImpl?: typeof fetch } = {}): Promise<CalledRunbook> {
  return callRunbook(settings, {
    runbookId: request.runbookId,
    subject: { vault: request.vaultKey, plan: request.planName, job: request.jobId, task: request.taskId, instanceId: request.instanceId, eventName: request.eventName },
    ttlSeconds: request.ttlSeconds,
    ...(options.now ? { now: options.now } : {}),
    context: request.context,
  }, options.fetchImpl);
}

/**
 * Starts runbooks through Automation webhooks ({@link startRunbook}). A webhook URL carries its
 * own secret, so it lives in configuration (`ASR_RUNBOOK_WEBHOOKS`, in Azure a Key Vault
 * reference), never in the plan document that every Reader can GET; a runbook id is never
 * taken for a URL.
 */
export class WebhookRunbookStarter implements RunbookStarter {
  constructor(private readonly settings: AutomationSettings) {}

  async start(request: StartRunbookRequest): Promise<{ tokenId: string; expiresAt: string; onTimeout?: 'Fail' | 'Continue' }> {
    const called = await startRunbook(this.settings, request);
    return { tokenId: called.tokenId, expiresAt: called.expiresAt.toISOString(), ...(called.onTimeout ? { onTimeout: called.onTimeout } : {}) };
  }
}
