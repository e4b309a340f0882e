import { AutomationError } from './policy/AutomationError';
import { CallbackClaims } from './policy/CallbackClaims';
import { readCallbackToken, redeemCallbackToken } from './callbackToken';
import { RunbookOutcome, RunbookOutcomeSchema } from './policy/RunbookOutcome';
import { UsedTokenLedger } from './UsedTokenLedger';

/** Route (below `/api/`) of the callback endpoint; the token rides in the query as `token`. */
export const RUNBOOK_CALLBACK_ROUTE = 'automation/runbook-callback';

/** The callback URL a runbook is given. */
export function runbookCallbackUrl(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/api/${RUNBOOK_CALLBACK_ROUTE}?token=${encodeURIComponent(token)}`;
}

/** The payload of the event the orchestrator waits for (`claims.eventName`). */
export interface RunbookCallbackEvent {
  tokenId: string;
  task: string;
  outcome: RunbookOutcome;
  receivedAt: string;
}

/**
 * The callback endpoint's logic: verify the token (signature, expiry), validate the body, then
 * redeem the token (single use) and return the event to raise. The body is validated before the
 * token is spent so a runbook that posts a wrong body can post again. Throws
 * {@link CallbackTokenError} or {@link AutomationError} (`CallbackOutcomeInvalid`).
 */
export async function acceptRunbookCallback(token: string, body: unknown, deps: { key: Uint8Array; ledger: UsedTokenLedger; now?: () => Date }): Promise<{ claims: CallbackClaims; event: RunbookCallbackEvent }> {
  const now = deps.now?.() ?? new Date();
  const claims = await readCallbackToken(token, deps.key, { now });
  const parsed = RunbookOutcomeSchema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
    throw new AutomationError('CallbackOutcomeInvalid', `the callback body must be {"status":"Succeeded"|"Failed","output"?:string}: ${issues}`);
  }
  await redeemCallbackToken(claims, deps.ledger);
  return { claims, event: { tokenId: claims.tokenId, task: claims.task, outcome: parsed.data, receivedAt: now.toISOString() } };
}

/** HTTP status the callback endpoint answers for an error code of {@link acceptRunbookCallback}. */
export function runbookCallbackStatus(code: string): number {
  switch (code) {
    case 'CallbackOutcomeInvalid':
      return 400;
    case 'CallbackTokenAlreadyUsed':
      return 409;
    case 'CallbackTokenMalformed':
    case 'CallbackTokenBadSignature':
    case 'CallbackTokenExpired':
      return 401;
    default:
      return 500;
  }
}
