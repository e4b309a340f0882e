import { createHmac, timingSafeEqual } from 'node:crypto';

/** Headers of a signed event post (docs/events.md, "Verifying a webhook"). */
export const WEBHOOK_HEADERS = {
  /** The event's name: the same on every retry, so receivers drop duplicates by it. */
  id: 'x-asr-event-id',
  /** Unix seconds when this attempt was signed. */
  timestamp: 'x-asr-timestamp',
  /** `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the webhook's signing secret>`. */
  signature: 'x-asr-signature',
} as const;

/** The signature header's value for a body sent at `timestamp`. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** True when `signature` is this body's at `timestamp` (constant-time); what a receiver runs. */
export function verifyWebhook(secret: string, timestamp: string, body: string, signature: string): boolean {
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
