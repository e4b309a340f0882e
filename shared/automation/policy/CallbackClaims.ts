/**
 * What a runbook callback token names: enough for the callback endpoint to raise the right event
 * on the right orchestration without a lookup.
 */
export interface CallbackClaims {
  vault: string;
  plan: string;
  job: string;
  /** The job task (the action's step) the outcome belongs to. */
  task: string;
  /** Durable orchestration instance id to raise the event on. */
  instanceId: string;
  /** Event name the orchestrator waits for. */
  eventName: string;
  /** Unique per token: the single-use ledger's key. */
  tokenId: string;
  /** Expiry, seconds since the Unix epoch. */
  expiresAt: number;
}
