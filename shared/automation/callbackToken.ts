import { randomUUID } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { CallbackClaims } from './policy/CallbackClaims';
import { CallbackTokenError } from './policy/CallbackTokenError';
import { UsedTokenLedger } from './UsedTokenLedger';

const ALG = 'HS256';
const AUDIENCE = 'asr-runbook-callback';

/** What the caller names; the token id and expiry are added by {@link signCallbackToken}. */
export type CallbackSubject = Omit<CallbackClaims, 'tokenId' | 'expiresAt'>;

/**
 * Signs a callback token (a compact JWS, HMAC-SHA256) naming plan, job, task and the
 * orchestration event to raise, valid for `ttlSeconds`.
 */
export async function signCallbackToken(subject: CallbackSubject, key: Uint8Array, options: { ttlSeconds: number; now?: Date; tokenId?: string }): Promise<{ token: string; claims: CallbackClaims }> {
  const nowS = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const claims: CallbackClaims = { ...subject, tokenId: options.tokenId ?? randomUUID(), expiresAt: nowS + options.ttlSeconds };
  const token = await new SignJWT({ vault: claims.vault, plan: claims.plan, job: claims.job, task: claims.task, iid: claims.instanceId, evt: claims.eventName })
    .setProtectedHeader({ alg: ALG, typ: 'JWT' })
    .setJti(claims.tokenId)
    .setAudience(AUDIENCE)
    .setIssuedAt(nowS)
    .setExpirationTime(claims.expiresAt)
    .sign(key);
  return { token, claims };
}

/**
 * Checks signature, algorithm, audience and expiry; does NOT mark the token used (see
 * {@link verifyCallbackToken}). Throws {@link CallbackTokenError}.
 */
export async function readCallbackToken(token: string, key: Uint8Array, options: { now?: Date } = {}): Promise<CallbackClaims> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, key, { algorithms: [ALG], audience: AUDIENCE, currentDate: options.now, clockTolerance: 0 }));
  } catch (e) {
    if (e instanceof errors.JWTExpired) throw new CallbackTokenError('CallbackTokenExpired', 'the callback token has expired: the action timed out on the service side; the job shows what the plan did next', { cause: e });
    if (e instanceof errors.JWSSignatureVerificationFailed) throw new CallbackTokenError('CallbackTokenBadSignature', 'the callback token signature does not verify: post to the exact callbackUrl you were given, unchanged', { cause: e });
    throw new CallbackTokenError('CallbackTokenMalformed', `not a callback token of this service: ${(e as Error).message}`, { cause: e });
  }
  const str = (k: string) => (typeof payload[k] === 'string' && (payload[k] as string).length > 0 ? (payload[k] as string) : undefined);
  const claims = { vault: str('vault'), plan: str('plan'), job: str('job'), task: str('task'), instanceId: str('iid'), eventName: str('evt'), tokenId: str('jti'), expiresAt: payload.exp };
  for (const [k, v] of Object.entries(claims)) {
    if (v === undefined) throw new CallbackTokenError('CallbackTokenMalformed', `the callback token lacks the claim ${k}`);
  }
  return claims as CallbackClaims;
}

/**
 * Verifies a callback token and redeems it: a second call with the same token fails with
 * `CallbackTokenAlreadyUsed`, whoever makes it (the ledger's write is conditional).
 */
export async function verifyCallbackToken(token: string, key: Uint8Array, ledger: UsedTokenLedger, options: { now?: Date } = {}): Promise<CallbackClaims> {
  const claims = await readCallbackToken(token, key, options);
  await redeemCallbackToken(claims, ledger);
  return claims;
}

/** Marks verified claims used; throws `CallbackTokenAlreadyUsed` if they were. */
export async function redeemCallbackToken(claims: CallbackClaims, ledger: UsedTokenLedger): Promise<void> {
  const first = await ledger.markUsed(claims.tokenId, { expiresAt: claims.expiresAt, job: claims.job, task: claims.task });
  if (!first) throw new CallbackTokenError('CallbackTokenAlreadyUsed', `this callback (job ${claims.job}, task ${claims.task}) was already reported; an outcome is accepted once`);
}
