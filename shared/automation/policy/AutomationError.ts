import { ServiceError, ServiceErrorOptions } from '../../errors';

/** Codes of {@link AutomationError}; the orchestrator copies them into the action task's error. */
export type AutomationErrorCode =
  /** The webhook answered with a non-2xx status (retryable for 408, 429 and 5xx). */
  | 'RunbookWebhookRejected'
  /** The webhook could not be reached, or did not answer in time (retryable). */
  | 'RunbookWebhookUnreachable'
  /** The runbook action names no webhook to call. */
  | 'RunbookWebhookMissing'
  /** The runbook reported `Failed`. */
  | 'RunbookFailed'
  /** No outcome, no resume, before the action's timeout. */
  | 'ActionTimedOut'
  /** A script action in a Hyper-V-to-Azure plan: ASR runs scripts only for VMware/physical machines. */
  | 'ScriptActionNotSupported'
  /** The callback body is not `{status, output?}`. */
  | 'CallbackOutcomeInvalid'
  /** A setting the runbook machinery needs is missing or wrong. */
  | 'AutomationNotConfigured';

export class AutomationError extends ServiceError {
  declare readonly code: AutomationErrorCode;
  constructor(code: AutomationErrorCode, message: string, options: ServiceErrorOptions = {}) {
    super(code, message, options);
  }
}
