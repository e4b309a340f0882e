import type { StartRunbookRequest } from './StartRunbookRequest';
import type { ActionTimeoutPolicy } from './ActionTimeoutPolicy';
import { actionTimeoutPolicyOf, callbackTokenTtlSeconds } from './actionTimeouts';
import { buildRecoveryPlanContext, type RecoveredMachineInfo } from './buildRecoveryPlanContext';
import type { AutomationRunbookTaskDetails } from './ManualActionTaskDetails';
import type { RecoveryPlanActionDetails } from './RecoveryPlanActionDetails';

export type RunbookActionDetails = Extract<RecoveryPlanActionDetails, { instanceType: 'AutomationRunbookActionDetails' }>;

/** What starting one runbook action needs to know: the action, where its outcome goes, the failover so far. */
export interface RunbookActionStartInput {
  actionName: string;
  details: RunbookActionDetails;
  /** The job task the outcome belongs to and the orchestration event that carries it. */
  target: Pick<StartRunbookRequest, 'vaultKey' | 'planName' | 'jobId' | 'taskId' | 'instanceId' | 'eventName'>;
  failoverType: 'TestFailover' | 'PlannedFailover' | 'UnplannedFailover';
  failoverDirection: 'PrimaryToRecovery' | 'RecoveryToPrimary';
  /** The group's name; ASR's `GroupId` is it without blanks (`Group 2` → `Group2`). */
  groupId: string;
  subscriptionId: string;
  /** Machines the failover has brought up so far. */
  machines: RecoveredMachineInfo[];
  defaultRunbookTimeoutSeconds: number;
  /** How long past the timeout the callback token still verifies. */
  tokenGraceSeconds: number;
}

/**
 * The one description of a runbook action's start, for the orchestrator and
 * `startRunbookAction` alike: its timeout policy, the request a {@link RunbookStarter} signs and
 * sends (context in ASR's shape, token lifetime = timeout + grace) and the task's
 * `customDetails` before the runbook answers. Pure: the orchestrator replays it.
 */
export function runbookActionStart(input: RunbookActionStartInput): { policy: ActionTimeoutPolicy; request: StartRunbookRequest; taskDetails: AutomationRunbookTaskDetails } {
  const policy = actionTimeoutPolicyOf(input.details, input);
  return {
    policy,
    request: {
      ...input.target,
      runbookId: input.details.runbookId,
      ttlSeconds: callbackTokenTtlSeconds(policy, input.tokenGraceSeconds),
      context: buildRecoveryPlanContext({
        plan: input.target.planName, failoverType: input.failoverType, failoverDirection: input.failoverDirection, groupId: input.groupId,
        subscriptionId: input.subscriptionId, machines: input.machines,
      }),
    },
    taskDetails: runbookTaskDetails(input.actionName, input.details, ''),
  };
}

/** ASR's `customDetails` of a runbook action's task; `jobId` is the invocation's id once it is known. */
export function runbookTaskDetails(actionName: string, details: RunbookActionDetails, jobId: string): AutomationRunbookTaskDetails {
  return {
    instanceType: 'AutomationRunbookTaskDetails',
    name: actionName,
    runbookId: details.runbookId,
    runbookName: details.runbookId.split('/').pop() ?? details.runbookId,
    jobId,
    jobOutput: '',
    isPrimarySideScript: details.fabricLocation === 'Primary',
  };
}
