import type { AlertWebhook, EventDocument } from '../metadata';
import { signWebhook, WEBHOOK_HEADERS } from './webhookSignature';

/** Posts one event to one webhook; resolves when the receiver acknowledged it (2xx), throws otherwise. */
export type WebhookSender = (webhook: AlertWebhook, event: EventDocument, vaultName: string) => Promise<void>;

const TIMEOUT_MS = 10_000;

/** The JSON posted: `text` for Teams/Slack-style incoming webhooks, `event` for programs. */
export function webhookBody(event: EventDocument, vaultName: string): Record<string, unknown> {
  const p = event.properties;
  return {
    text: `[${p.severity}] ${vaultName}: ${p.description}${p.recommendedAction ? ` — ${p.recommendedAction}` : ''}`,
    id: event.name,
    vault: vaultName,
    event: { id: event.armId, name: event.name, type: 'Microsoft.RecoveryServices/vaults/replicationEvents', sequence: event.sequence, properties: p },
  };
}

/**
 * Over HTTP: the body signed with the webhook's secret, no redirects followed (a 3xx is a
 * failure: the URL was validated, where it points to was not), a 10 s limit.
 */
export const httpWebhookSender: WebhookSender = async (webhook, event, vaultName) => {
  const body = JSON.stringify(webhookBody(event, vaultName));
  const timestamp = String(Math.floor(Date.now() / 1000));
  const res = await fetch(webhook.url, {
    method: 'POST',
    redirect: 'manual',
    signal: AbortSignal.timeout(TIMEOUT_MS),
    headers: {
      'content-type': 'application/json',
      [WEBHOOK_HEADERS.id]: event.name,
      [WEBHOOK_HEADERS.timestamp]: timestamp,
      [WEBHOOK_HEADERS.signature]: signWebhook(webhook.signingSecret, timestamp, body),
    },
    body,
  });
  await res.arrayBuffer().catch(() => undefined);
  if (res.status < 200 || res.status >= 300) throw new Error(`webhook '${webhook.name}' answered ${res.status}`);
};
