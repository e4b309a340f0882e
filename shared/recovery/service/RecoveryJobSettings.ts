/** Knobs of recovery jobs, from the environment (tests shorten them). */
export interface RecoveryJobSettings {
  finalLogSeconds: number;
  manualActionSeconds?: number;
  runbookSeconds: number;
  pollSeconds: number;
  /** Failback: how long one synchronisation round may take (the agent's answer included). */
  failbackRoundSeconds: number;
}

function num(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number of seconds >= 0, not '${v}'`);
  return n;
}

/**
 * `RECOVERY_FINAL_LOG_TIMEOUT_SECONDS` (1800), `RECOVERY_MANUAL_ACTION_TIMEOUT_SECONDS` (none:
 * wait until resumed), `ASR_RUNBOOK_DEFAULT_TIMEOUT_SECONDS` (3600),
 * `RECOVERY_POLL_SECONDS` (5: how often a planned failover looks for final logs, a failback at its round),
 * `RECOVERY_FAILBACK_ROUND_TIMEOUT_SECONDS` (3600: one failback round, the primary agent's part included).
 */
export function recoveryJobSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): RecoveryJobSettings {
  const manual = num(env, 'RECOVERY_MANUAL_ACTION_TIMEOUT_SECONDS', 0);
  return {
    finalLogSeconds: num(env, 'RECOVERY_FINAL_LOG_TIMEOUT_SECONDS', 1800),
    manualActionSeconds: manual > 0 ? manual : undefined,
    runbookSeconds: num(env, 'ASR_RUNBOOK_DEFAULT_TIMEOUT_SECONDS', 3600),
    pollSeconds: num(env, 'RECOVERY_POLL_SECONDS', 5),
    failbackRoundSeconds: num(env, 'RECOVERY_FAILBACK_ROUND_TIMEOUT_SECONDS', 3600),
  };
}
