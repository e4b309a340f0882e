import { z } from 'zod';
import { runbookIdSchema } from '../../naming';
import { AutomationError } from './AutomationError';

/** Per runbook (by id, case-insensitive): its webhook and what a timeout does. */
export const RunbookWebhookSettingSchema = z.strictObject({
  webhookUrl: z.url({ protocol: /^https?$/, error: 'must be the http(s) URL of the runbook\'s webhook' }),
  onTimeout: z.enum(['Fail', 'Continue']).optional(),
});

export type RunbookWebhookSetting = z.infer<typeof RunbookWebhookSettingSchema>;

/** Runbook id (lower case) → its webhook: the only place a webhook URL may come from. */
export type RunbookWebhooks = Readonly<Record<string, RunbookWebhookSetting>>;

const webhooksSchema = z.record(z.string().min(1), z.union([z.string(), RunbookWebhookSettingSchema]));

/**
 * Parses `ASR_RUNBOOK_WEBHOOKS`: a JSON map from runbook id to `{webhookUrl, onTimeout?}` (or
 * the URL alone). Webhook URLs carry their secret, so they live in configuration (in Azure a
 * Key Vault reference), never in a plan document that every Reader can read.
 */
export function parseRunbookWebhooks(raw: string | undefined): RunbookWebhooks {
  if (!raw) return {};
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new AutomationError('AutomationNotConfigured', 'ASR_RUNBOOK_WEBHOOKS must be JSON: {"<runbook id>": {"webhookUrl": "https://…", "onTimeout": "Fail"|"Continue"}}', { cause: err });
  }
  const parsed = webhooksSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // The path names the runbook id; the message never repeats a URL (it is a secret).
    throw new AutomationError('AutomationNotConfigured', `ASR_RUNBOOK_WEBHOOKS ${issue.path.map(String).join('.')}: ${issue.message}`);
  }
  const out: Record<string, RunbookWebhookSetting> = {};
  for (const [id, v] of Object.entries(parsed.data)) {
    const setting = typeof v === 'string' ? RunbookWebhookSettingSchema.safeParse({ webhookUrl: v }) : { success: true as const, data: v };
    if (!setting.success) throw new AutomationError('AutomationNotConfigured', `ASR_RUNBOOK_WEBHOOKS ${id}: ${setting.error.issues[0].message}`);
    out[id.toLowerCase()] = setting.data;
  }
  return out;
}

/** The configured webhook of a runbook, or `RunbookWebhookMissing` naming the runbook (never a URL). */
export function runbookWebhookOf(webhooks: RunbookWebhooks, runbookId: string): RunbookWebhookSetting {
  if (!runbookIdSchema.safeParse(runbookId).success) {
    // A plan stored before runbook ids were validated may hold a webhook URL: never repeat it.
    throw new AutomationError('RunbookWebhookMissing',
      'the action\'s runbook id is not a runbook id (it may be a webhook URL, which is never called); update the plan to name the runbook by its ARM id and configure its webhook in ASR_RUNBOOK_WEBHOOKS');
  }
  const setting = Object.prototype.hasOwnProperty.call(webhooks, runbookId.toLowerCase()) ? webhooks[runbookId.toLowerCase()] : undefined;
  if (!setting) {
    throw new AutomationError('RunbookWebhookMissing',
      `runbook ${runbookId} has no webhook configured; create one in Azure Automation and add it to the ASR_RUNBOOK_WEBHOOKS setting under this runbook id`);
  }
  return setting;
}
