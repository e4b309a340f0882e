import { ServiceError } from '../errors';
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

/** Raises the outcome on the orchestration; false when it has ended (the event has nowhere to go). */
export interface RunbookOutcomeSink {
  raiseEvent(instanceId: string, eventName: string, data: unknown): Promise<boolean>;
}

/** What the callback endpoint answers with 202. */
export interface RunbookCallbackAccepted {
  job: string;
  task: string;
  accepted: RunbookOutcome['status'];
}

/**
 * The callback endpoint behind its HTTP adapter: the body text is JSON (`InvalidJson`), the
 * token and outcome are accepted ({@link acceptRunbookCallback}), the event is raised; a job
 * that has ended answers `JobEnded` (410). Errors carry catalogue codes, so the adapter maps
 * them to statuses through the one catalogue.
 */
export async function answerRunbookCallback(token: string, bodyText: string | undefined, deps: {
  /** Built after the body is read, so a malformed body is refused before any setting is needed. */
  callbackDeps: () => Promise<{ key: Uint8Array; ledger: UsedTokenLedger }>;
  orchestrations: RunbookOutcomeSink;
}): Promise<RunbookCallbackAccepted> {
  let body: unknown;
  try {
    body = JSON.parse(bodyText || '{}');
  } catch (err) {
    throw new ServiceError('InvalidJson', 'the callback body is not JSON: send {"status":"Succeeded"|"Failed","output"?:string}', { cause: err });
  }
  const { claims, event } = await acceptRunbookCallback(token, body, await deps.callbackDeps());
  if (!(await deps.orchestrations.raiseEvent(claims.instanceId, claims.eventName, event))) {
    throw new ServiceError('JobEnded', `job ${claims.job} has ended; the outcome was not needed`);
  }
  return { job: claims.job, task: claims.task, accepted: event.outcome.status };
}
