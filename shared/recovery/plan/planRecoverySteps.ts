import { actionApplies } from '../../automation/policy/actionApplicability';
import type { AsrTask } from './AsrJob';
import type { PlanSnapshot } from './PlanSnapshot';
import { actionFailoverTypeOf, type RecoveryScenario } from './RecoveryScenario';
import type { MachineOperation, RecoveryStep } from './RecoveryStep';

export interface PlannedJob {
  steps: RecoveryStep[];
  /** The job's tasks, all `NotStarted`, in the order the steps run. */
  tasks: AsrTask[];
}

export interface PlanStepsOptions {
  direction: 'PrimaryToRecovery' | 'RecoveryToPrimary';
  /** Unplanned failover: `Required` = try to shut the source down first (best effort). */
  sourceSiteOperations?: 'Required' | 'NotRequired';
}

function task(taskId: string, name: string, friendlyName: string, taskType: string, extra: Partial<AsrTask> = {}): AsrTask {
  return { taskId, name, friendlyName, state: 'NotStarted', stateDescription: 'NotStarted', taskType, allowedActions: [], errors: [], ...extra };
}

const MACHINE_OPERATION: Record<RecoveryScenario, MachineOperation> = {
  TestFailover: 'recover', PlannedFailover: 'recover', UnplannedFailover: 'recover',
  TestFailoverCleanup: 'cleanupTest', FailoverCommit: 'commit', CancelFailover: 'cancelFailover',
};

const MACHINE_VERB: Record<MachineOperation, string> = {
  recover: 'Start', cleanupTest: 'Clean up test virtual machines of', commit: 'Commit', cancelFailover: 'Cancel the failover of',
};

/**
 * The steps and tasks of a job, from the plan and the scenario: a prerequisites check; for a
 * planned failover (or an unplanned one with `sourceSiteOperations: Required`) the source's
 * shutdown; then each group in order with its start actions, its machines (in parallel) and
 * its end actions; a test failover ends waiting for its cleanup. Actions run only for the
 * failover types and directions they name. Pure: the orchestrator replays it.
 */
export function planRecoverySteps(plan: PlanSnapshot, scenario: RecoveryScenario, options: PlanStepsOptions): PlannedJob {
  const steps: RecoveryStep[] = [];
  const tasks: AsrTask[] = [];
  const add = (step: RecoveryStep, t: AsrTask) => { steps.push(step); tasks.push(t); };
  add({ kind: 'prerequisites', taskId: 'prereq' }, task('prereq', 'Prerequisites', `Prerequisites check for ${scenarioWord(scenario)}`, 'PrerequisiteTask'));
  const operation = MACHINE_OPERATION[scenario];
  const allItems = plan.groups.flatMap((g) => g.items);
  const shutdown = scenario === 'PlannedFailover' || (scenario === 'UnplannedFailover' && options.sourceSiteOperations === 'Required');
  if (shutdown && allItems.length > 0) {
    const waitForFinalLog = scenario === 'PlannedFailover';
    add({ kind: 'shutdown', taskId: 'shutdown', items: allItems, waitForFinalLog },
      task('shutdown', 'ShutdownSource', waitForFinalLog ? 'Shut down the source virtual machines and merge their final logs' : 'Shut down the source virtual machines (best effort)', 'ShutdownTask'));
  }
  const runsActions = operation === 'recover';
  let bootIndex = 0;
  plan.groups.forEach((g, gi) => {
    const groupName = g.groupType === 'Boot' ? `Group ${++bootIndex}` : g.groupType;
    const actionsOf = (list: typeof g.startGroupActions, when: 'start' | 'end') => list
      .map((action, ai) => ({ action, ai }))
      .filter(({ action }) => runsActions && actionApplies(action, actionFailoverTypeOf(scenario), options.direction))
      .forEach(({ action, ai }) => {
        const taskId = `g${gi}-${when}${ai}`;
        const manual = action.customDetails.instanceType === 'ManualActionDetails';
        add({ kind: 'action', taskId, action, groupName, items: g.items },
          task(taskId, action.actionName, `${groupName}: ${when === 'start' ? 'pre' : 'post'}-action ${action.actionName}`,
            manual ? 'ManualActionTask' : action.customDetails.instanceType === 'AutomationRunbookActionDetails' ? 'AutomationRunbookTask' : 'ScriptActionTask'));
      });
    actionsOf(g.startGroupActions, 'start');
    if (g.items.length > 0) {
      const taskId = `g${gi}`;
      const machines = g.items.map((item, mi) => ({ taskId: `g${gi}-m${mi}`, item }));
      add({ kind: 'group', taskId, groupName, operation, machines },
        task(taskId, groupName, `${groupName}: ${MACHINE_VERB[operation]} virtual machines`, 'GroupTask', {
          groupTaskCustomDetails: {
            instanceType: 'RecoveryPlanGroupTaskDetails', groupId: groupName, rpGroupType: g.groupType,
            childTasks: machines.map((m) => task(m.taskId, m.item.name, `${MACHINE_VERB[operation]} ${m.item.name}`, 'VmTask', {
              // ASR's VirtualMachineTaskDetails: the official client keeps `jobTask` (what the task acts on).
              customDetails: {
                instanceType: 'VirtualMachineTaskDetails',
                jobTask: { targetObjectId: m.item.itemId, targetObjectName: m.item.name, targetInstanceType: 'ProtectionEntity', jobScenarioName: scenario, jobFriendlyName: `${MACHINE_VERB[operation]} ${m.item.name}` },
              },
            })),
          },
        }));
    }
    actionsOf(g.endGroupActions, 'end');
  });
  if (scenario === 'TestFailover') {
    add({ kind: 'waitForCleanup', taskId: 'complete-test' }, task('complete-test', 'CompleteTestFailover', 'Complete testing: run the test failover cleanup', 'ManualActionTask'));
  }
  return { steps, tasks };
}

function scenarioWord(s: RecoveryScenario): string {
  return s.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}
