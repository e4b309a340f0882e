import { AutomationError } from './policy/AutomationError';
import { RecoveryPlanContext } from './policy/RecoveryPlanContext';

/** What the webhook answered. Azure Automation answers 202 with `{"JobIds":["…"]}`. */
export interface RunbookWebhookResponse {
  status: number;
  /** Automation job ids when the answer carries them. */
  jobIds: string[];
}

/** The most of an answer read (to find its job ids); the rest is counted and dropped. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * POSTs the recovery-plan context to an Automation webhook (JSON body; Automation hands it to
 * the runbook as `$WebhookData.RequestBody`). Throws {@link AutomationError}: unreachable or
 * slow (retryable), a redirect (never followed: the webhook is a configured URL, and following
 * would let it point the service at anything), or a non-2xx answer (retryable for 408, 429 and
 * 5xx). Messages name `label` (the runbook), the status and the answer's size; never the URL
 * (its query is the webhook's secret), the answer (it may be anything the URL reaches) or the
 * context (its `callbackUrl` carries a live token).
 */
export async function invokeRunbookWebhook(webhookUrl: string, context: RecoveryPlanContext, options: { timeoutMs: number; fetchImpl?: typeof fetch; label?: string }): Promise<RunbookWebhookResponse> {
  const doFetch = options.fetchImpl ?? fetch;
  const what = options.label ? `the webhook of runbook ${options.label}` : 'the runbook webhook';
  let res: Response;
  try {
    res = await doFetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(context),
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (e) {
    const why = (e as Error).name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : 'the connection failed';
    throw new AutomationError('RunbookWebhookUnreachable', `could not call ${what}: ${why}; check the webhook URL in ASR_RUNBOOK_WEBHOOKS and that it has not expired`, { retryable: true, cause: e });
  }
  const answer = await readAnswer(res);
  if (res.status >= 300 && res.status <= 399) {
    throw new AutomationError('RunbookWebhookRejected', `${what} answered ${res.status}, a redirect, which is not followed; set the webhook's final URL in ASR_RUNBOOK_WEBHOOKS`, { details: { status: res.status } });
  }
  if (res.status < 200 || res.status > 299) {
    const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
    throw new AutomationError('RunbookWebhookRejected', `${what} answered ${res.status} with ${answer.size} bytes`, { retryable, details: { status: res.status } });
  }
  return { status: res.status, jobIds: jobIdsOf(answer.text) };
}

/** Reads at most {@link MAX_ANSWER_BYTES} of the answer and counts the rest. */
async function readAnswer(res: Response): Promise<{ text: string; size: number }> {
  if (!res.body) return { text: '', size: 0 };
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      if (size < MAX_ANSWER_BYTES) chunks.push(chunk);
      size += chunk.byteLength;
    }
  } catch {
    // A broken answer body changes nothing: the status decides.
  }
  return { text: Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8'), size };
}

function jobIdsOf(text: string): string[] {
  try {
    const body = JSON.parse(text) as { JobIds?: unknown };
    return Array.isArray(body.JobIds) ? body.JobIds.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
