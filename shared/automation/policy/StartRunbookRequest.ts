import type { RecoveryPlanContext } from './RecoveryPlanContext';

/** What the orchestrator asks for when a runbook action starts. */
export interface StartRunbookRequest {
  vaultKey: string;
  planName: string;
  jobId: string;
  taskId: string;
  /** The orchestration to raise the outcome event on, and the event's name. */
  instanceId: string;
  eventName: string;
  /** The runbook to start; its webhook is looked up in configuration (ASR_RUNBOOK_WEBHOOKS). */
  runbookId: string;
  /** How long the callback token lives (the action's timeout plus a grace period). */
  ttlSeconds: number;
  context: Omit<RecoveryPlanContext, 'callbackUrl' | 'callbackExpiresAt'>;
}
