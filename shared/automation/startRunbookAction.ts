import { actionDeadline, callbackTokenTtlSeconds } from './policy/actionTimeouts';
import { ActionTimeoutPolicy } from './policy/ActionTimeoutPolicy';
import { AutomationSettings } from './AutomationSettings';
import type { RecoveredMachineInfo } from './policy/buildRecoveryPlanContext';
import type { CallbackSubject } from './callbackToken';
import { AutomationRunbookTaskDetails } from './policy/ManualActionTaskDetails';
import { runbookActionStart, runbookTaskDetails, type RunbookActionDetails } from './policy/runbookActionStart';
import { startRunbook } from './WebhookRunbookStarter';

/** What the orchestrator hands the activity that starts a runbook action. JSON-safe. */
export interface StartRunbookActionInput extends CallbackSubject {
  actionName: string;
  details: RunbookActionDetails;
  failoverType: 'TestFailover' | 'PlannedFailover' | 'UnplannedFailover';
  failoverDirection: 'PrimaryToRecovery' | 'RecoveryToPrimary';
  groupId: string;
  subscriptionId: string;
  machines: RecoveredMachineInfo[];
  /** When the action started, from the orchestration's clock (ISO 8601): the deadline counts from here. */
  startedAt: string;
}

/** What the activity returns: the orchestrator arms its timer at `deadline` and waits for `eventName`. */
export interface StartedRunbookAction {
  tokenId: string;
  policy: ActionTimeoutPolicy;
  /** ISO 8601; the token expires `tokenGraceSeconds` later. */
  deadline: string;
  /** The task's `customDetails` so far (`jobOutput` is filled in when the outcome arrives). */
  taskDetails: AutomationRunbookTaskDetails;
}

/**
 * Starts a runbook action in one call: {@link runbookActionStart} describes it, {@link startRunbook}
 * calls the webhook configured for the action's runbook id with the recovery plan context and a
 * single-use callback URL (the runbook may still run twice on a retried call: runbooks should be
 * idempotent, as ASR also asks).
 */
export async function startRunbookAction(input: StartRunbookActionInput, deps: { settings: AutomationSettings; fetchImpl?: typeof fetch }): Promise<StartedRunbookAction> {
  const { settings } = deps;
  const { policy, request } = runbookActionStart({
    actionName: input.actionName, details: input.details,
    target: { vaultKey: input.vault, planName: input.plan, jobId: input.job, taskId: input.task, instanceId: input.instanceId, eventName: input.eventName },
    failoverType: input.failoverType, failoverDirection: input.failoverDirection, groupId: input.groupId, subscriptionId: input.subscriptionId, machines: input.machines,
    defaultRunbookTimeoutSeconds: settings.defaultRunbookTimeoutSeconds, tokenGraceSeconds: settings.tokenGraceSeconds,
  });
  const startedAt = new Date(input.startedAt);
  const deadline = actionDeadline(startedAt, policy) ?? new Date(startedAt.getTime() + callbackTokenTtlSeconds(policy, 0) * 1000);
  const called = await startRunbook(settings, request, { now: startedAt, fetchImpl: deps.fetchImpl });
  if (called.onTimeout) policy.onTimeout = called.onTimeout;
  return {
    tokenId: called.tokenId,
    policy,
    deadline: deadline.toISOString(),
    taskDetails: runbookTaskDetails(input.actionName, input.details, called.jobIds[0] ?? called.tokenId),
  };
}
