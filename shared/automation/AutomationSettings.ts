import { secretFromEnv } from '../config/secretFromEnv';
import { AutomationError } from './policy/AutomationError';
import { parseRunbookWebhooks, type RunbookWebhooks } from './policy/RunbookWebhookSetting';

/** Configuration of runbook actions. */
export interface AutomationSettings {
  /** HMAC-SHA256 key of callback tokens (at least 32 bytes). */
  signingKey: Uint8Array;
  /** Base URL the runbook can reach the service at, e.g. `https://myapp.azurewebsites.net`. */
  publicBaseUrl: string;
  /** Runbook timeout when the action gives none (ASR's default: 3600 s). */
  defaultRunbookTimeoutSeconds: number;
  /** How long past the action's timeout a token still verifies (clock skew, slow networks). */
  tokenGraceSeconds: number;
  /** How long to wait for the webhook's HTTP answer. */
  webhookRequestTimeoutMs: number;
  /** Runbook id (lower case) → its webhook; the only source of webhook URLs (`ASR_RUNBOOK_WEBHOOKS`). */
  webhooks: RunbookWebhooks;
}

/**
 * Reads {@link AutomationSettings} from the environment:
 * `ASR_CALLBACK_SIGNING_KEY` (base64, >= 32 bytes; required outside local mode, see
 * secretFromEnv), `ASR_PUBLIC_BASE_URL` (default: the app's own `WEBSITE_HOSTNAME`),
 * `ASR_RUNBOOK_DEFAULT_TIMEOUT_SECONDS` (3600), `ASR_CALLBACK_TOKEN_GRACE_SECONDS` (300),
 * `ASR_RUNBOOK_WEBHOOK_TIMEOUT_MS` (30000), `ASR_RUNBOOK_WEBHOOKS` (`{}`).
 */
export function automationSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): AutomationSettings {
  let signingKey: Buffer;
  try {
    signingKey = secretFromEnv('ASR_CALLBACK_SIGNING_KEY', 'callback-signing.key', 32, env);
  } catch (err) {
    throw new AutomationError('AutomationNotConfigured', `${(err as Error).message}, to sign runbook callback tokens`, { cause: err });
  }
  if (signingKey.length < 32) throw new AutomationError('AutomationNotConfigured', `ASR_CALLBACK_SIGNING_KEY decodes to ${signingKey.length} bytes; give at least 32 random bytes, base64-encoded`);
  const publicBaseUrl = env.ASR_PUBLIC_BASE_URL || defaultPublicBaseUrl(env.WEBSITE_HOSTNAME);
  if (!publicBaseUrl || !/^https?:\/\//.test(publicBaseUrl)) throw new AutomationError('AutomationNotConfigured', 'set ASR_PUBLIC_BASE_URL to the http(s) base URL runbooks call back (e.g. http://127.0.0.1:7071)');
  return {
    signingKey,
    publicBaseUrl: publicBaseUrl.replace(/\/+$/, ''),
    defaultRunbookTimeoutSeconds: positiveInt(env, 'ASR_RUNBOOK_DEFAULT_TIMEOUT_SECONDS', 3600),
    tokenGraceSeconds: positiveInt(env, 'ASR_CALLBACK_TOKEN_GRACE_SECONDS', 300),
    webhookRequestTimeoutMs: positiveInt(env, 'ASR_RUNBOOK_WEBHOOK_TIMEOUT_MS', 30000),
    webhooks: parseRunbookWebhooks(env.ASR_RUNBOOK_WEBHOOKS),
  };
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new AutomationError('AutomationNotConfigured', `${name} must be a whole number >= 0, not "${raw}"`);
  return n;
}

/** Azure sets WEBSITE_HOSTNAME to the app's host name (https); the local host sets localhost:port. */
function defaultPublicBaseUrl(hostname: string | undefined): string | undefined {
  if (!hostname) return undefined;
  return /^(localhost|127\.0\.0\.1)(:\d+)?$/.test(hostname) ? `http://${hostname}` : `https://${hostname}`;
}
