import { z } from 'zod';
import type { AlertSettingProperties } from '../../metadata';
import { EVENT_SEVERITIES } from '../../events';
import { parseBody } from '../parseBody';
import type { ResourceDefinition } from '../ResourceDefinition';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * A webhook URL as given, checked here and used as is (never put together from other request
 * fields): https, or plain http to loopback in local development only; no credentials in it.
 */
function webhookUrl(development: boolean) {
  return z.string().max(2048).superRefine((raw, issue) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      issue.addIssue({ code: 'custom', message: `'${raw.slice(0, 80)}' is not an absolute URL` });
      return;
    }
    if (url.username || url.password) issue.addIssue({ code: 'custom', message: 'must not carry a user name or password (sign with signingSecret instead)' });
    if (url.protocol === 'https:') return;
    if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) {
      if (!development) issue.addIssue({ code: 'custom', message: 'plain http is accepted only for a loopback receiver in local development (ASR_AUTH_MODE=local); use https' });
      return;
    }
    issue.addIssue({ code: 'custom', message: `must be https (got ${url.protocol.replace(':', '')})` });
  });
}

function alertInput(development: boolean) {
  return z.object({
    properties: z.object({
      sendToOwners: z.enum(['Send', 'DoNotSend']).optional(),
      customEmailAddresses: z.array(z.email()).max(20).optional(),
      locale: z.string().max(20).optional(),
      /** Our extension: where events are posted, signed. */
      webhooks: z.array(z.object({
        name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, 'letters, digits, - and _, at most 63'),
        url: webhookUrl(development),
        signingSecret: z.string().min(32, 'at least 32 characters (the HMAC-SHA256 key receivers verify with)').max(256),
        minimumSeverity: z.enum(EVENT_SEVERITIES).optional(),
      }).strict()).max(10).optional()
        .refine((w) => !w || new Set(w.map((x) => x.name.toLowerCase())).size === w.length, 'webhook names must differ'),
    }).strict(),
  });
}

/**
 * ASR's `replicationAlertSettings` (who is told about events): `sendToOwners`,
 * `customEmailAddresses` and `locale` are kept as ASR keeps them (this service sends no email),
 * `webhooks` is ours: each event at or above `minimumSeverity` is posted to each webhook,
 * signed with its `signingSecret` (docs/events.md). The secret is never answered.
 */
export const alertSettingResource: ResourceDefinition<AlertSettingProperties> = {
  kind: 'alertSetting',
  collections: ['replicationAlertSettings'],
  storedAncestors: [],
  type: 'Microsoft.RecoveryServices/vaults/replicationAlertSettings',
  putReplaces: true,
  asyncPut: false,
  createAnswers200: true,
  asyncDelete: false,
  // The shape; whether loopback http is allowed depends on the deployment, checked in build.
  createSchema: alertInput(true),
  async build(input, ctx) {
    const body = parseBody(alertInput(ctx.development), input);
    const p = body.properties;
    return {
      properties: {
        sendToOwners: p.sendToOwners ?? 'DoNotSend',
        customEmailAddresses: p.customEmailAddresses ?? [],
        locale: p.locale ?? '',
        webhooks: (p.webhooks ?? []).map((w) => ({ name: w.name, url: w.url, signingSecret: w.signingSecret, minimumSeverity: w.minimumSeverity ?? 'Warning' })),
      },
      refs: [],
    };
  },
  present(p) {
    return { ...p, webhooks: p.webhooks.map(({ signingSecret: _secret, ...w }) => ({ ...w, signingSecretSet: true })) };
  },
};
