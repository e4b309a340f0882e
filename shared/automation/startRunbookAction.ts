import { actionDeadline, actionTimeoutPolicyOf, callbackTokenTtlSeconds } from './policy/actionTimeouts';
import { ActionTimeoutPolicy } from './policy/ActionTimeoutPolicy';
import { AutomationSettings } from './AutomationSettings';
import { buildRecoveryPlanContext, RecoveredMachineInfo } from './policy/buildRecoveryPlanContext';
import type { CallbackSubject } from './callbackToken';
import { callRunbook } from './callRunbook';
import { AutomationRunbookTaskDetails } from './policy/ManualActionTaskDetails';
import { RecoveryPlanActionDetails } from './policy/RecoveryPlanActionDetails';

type RunbookDetails = Extract<RecoveryPlanActionDetails, { instanceType: 'AutomationRunbookActionDetails' }>;

/** What the orchestrator hands the activity that starts a runbook action. JSON-safe. */
export interface StartRunbookActionInput extends CallbackSubject {
  actionName: string;
  details: RunbookDetails;
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
 * Starts a runbook action through {@link callRunbook}: the webhook configured for the action's
 * runbook id is called with the recovery plan context and a single-use callback URL (the
 * runbook may still run twice on a retried activity: runbooks should be idempotent, as ASR
 * also asks).
 */
export async function startRunbookAction(input: StartRunbookActionInput, deps: { settings: AutomationSettings; fetchImpl?: typeof fetch }): Promise<StartedRunbookAction> {
  const { settings } = deps;
  const policy = actionTimeoutPolicyOf(input.details, settings);
  const startedAt = new Date(input.startedAt);
  const deadline = actionDeadline(startedAt, policy) ?? new Date(startedAt.getTime() + callbackTokenTtlSeconds(policy, 0) * 1000);
  const subject: CallbackSubject = { vault: input.vault, plan: input.plan, job: input.job, task: input.task, instanceId: input.instanceId, eventName: input.eventName };
  const called = await callRunbook(settings, {
    runbookId: input.details.runbookId,
    subject,
    ttlSeconds: callbackTokenTtlSeconds(policy, settings.tokenGraceSeconds),
    now: startedAt,
    context: buildRecoveryPlanContext({
      plan: input.plan, failoverType: input.failoverType, failoverDirection: input.failoverDirection, groupId: input.groupId,
      subscriptionId: input.subscriptionId, machines: input.machines,
    }),
  }, deps.fetchImpl);
  if (called.onTimeout) policy.onTimeout = called.onTimeout;
  return {
    tokenId: called.tokenId,
    policy,
    deadline: deadline.toISOString(),
    taskDetails: {
      instanceType: 'AutomationRunbookTaskDetails',
      name: input.actionName,
      runbookId: input.details.runbookId,
      runbookName: input.details.runbookId.split('/').pop() ?? input.details.runbookId,
      jobId: called.jobIds[0] ?? called.tokenId,
      jobOutput: '',
      isPrimarySideScript: input.details.fabricLocation === 'Primary',
    },
  };
}
