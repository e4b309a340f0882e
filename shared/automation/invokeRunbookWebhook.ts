import { AutomationError } from './AutomationError';
import { RecoveryPlanContext } from './RecoveryPlanContext';

/** What the webhook answered. Azure Automation answers 202 with `{"JobIds":["…"]}`. */
export interface RunbookWebhookResponse {
  status: number;
  /** Automation job ids when the answer carries them. */
  jobIds: string[];
}

/**
 * POSTs the recovery-plan context to an Automation webhook (JSON body; Automation hands it to
 * the runbook as `$WebhookData.RequestBody`). Throws {@link AutomationError}: unreachable or
 * slow (retryable), or a non-2xx answer (retryable for 408, 429 and 5xx). The error messages
 * never repeat the context: its `callbackUrl` carries a live token.
 */
export async function invokeRunbookWebhook(webhookUrl: string, context: RecoveryPlanContext, options: { timeoutMs: number; fetchImpl?: typeof fetch }): Promise<RunbookWebhookResponse> {
  const doFetch = options.fetchImpl ?? fetch;
  const where = redactUrl(webhookUrl);
  let res: Response;
  try {
    res = await doFetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(context),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (e) {
    throw new AutomationError('RunbookWebhookUnreachable', `could not call the runbook webhook at ${where}: ${(e as Error).message}; check the webhook URL and that it has not expired`, { retryable: true, cause: e });
  }
  const text = await res.text().catch(() => '');
  if (res.status < 200 || res.status > 299) {
    const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
    throw new AutomationError('RunbookWebhookRejected', `the runbook webhook at ${where} answered ${res.status}: ${text.slice(0, 500)}`, { retryable, details: { status: res.status } });
  }
  return { status: res.status, jobIds: jobIdsOf(text) };
}

function jobIdsOf(text: string): string[] {
  try {
    const body = JSON.parse(text) as { JobIds?: unknown };
    return Array.isArray(body.JobIds) ? body.JobIds.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** Automation webhook URLs carry their secret in the query (`?token=`): never log it. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}${u.search ? '?…' : ''}`;
  } catch {
    return '(invalid URL)';
  }
}
