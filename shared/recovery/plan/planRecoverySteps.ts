import { actionApplies } from '../../automation/policy/actionApplicability';
import type { AsrTask } from './AsrJob';
import type { PlanSnapshot } from './PlanSnapshot';
import { actionFailoverTypeOf, type RecoveryScenario } from './RecoveryScenario';
import type { FailbackPhase, MachineOperation, RecoveryStep } from './RecoveryStep';
import type { FailbackOptions } from './FailbackOptions';

export interface PlannedJob {
  steps: RecoveryStep[];
  /** The job's tasks, all `NotStarted`, in the order the steps run. */
  tasks: AsrTask[];
}

export interface PlanStepsOptions {
  direction: 'PrimaryToRecovery' | 'RecoveryToPrimary';
  /** Unplanned failover: `Required` = try to shut the source down first (best effort). */
  sourceSiteOperations?: 'Required' | 'NotRequired';
  /** Failback: when data is synchronised (before or during the downtime). */
  failback?: Pick<FailbackOptions, 'dataSyncOption'>;
  /**
   * An operator must approve before anything changes (an unplanned failover an alert started):
   * a manual action right after the prerequisites check, resumed or cancelled like any other.
   */
  approval?: { actionName: string; description: string };
}

function task(taskId: string, name: string, friendlyName: string, taskType: string, extra: Partial<AsrTask> = {}): AsrTask {
  return { taskId, name, friendlyName, state: 'NotStarted', stateDescription: 'NotStarted', taskType, allowedActions: [], errors: [], ...extra };
}

const MACHINE_OPERATION: Record<RecoveryScenario, MachineOperation> = {
  TestFailover: 'recover', PlannedFailover: 'recover', UnplannedFailover: 'recover',
  TestFailoverCleanup: 'cleanupTest', FailoverCommit: 'commit', CancelFailover: 'cancelFailover',
  Failback: 'recover', FailbackCommit: 'commitFailback', FailbackCancel: 'cancelFailback', Reprotect: 'reprotect',
  ReverseReprotect: 'reverseReprotect',
};

const MACHINE_VERB: Record<MachineOperation, string> = {
  recover: 'Start', cleanupTest: 'Clean up the test machine of', commit: 'Commit', cancelFailover: 'Cancel the failover of',
  commitFailback: 'Commit the failback of', cancelFailback: 'Cancel the failback of', reprotect: 'Reprotect',
  reverseReprotect: 'Start reverse replication (recovery site to primary site) of',
};

/** What a group's task says it does to all its machines. */
const GROUP_PHRASE: Record<MachineOperation, string> = {
  recover: 'Start virtual machines', cleanupTest: 'Clean up the test virtual machines', commit: 'Commit virtual machines',
  cancelFailover: 'Cancel the failover of virtual machines', commitFailback: 'Commit the failback of virtual machines',
  cancelFailback: 'Cancel the failback of virtual machines', reprotect: 'Reprotect virtual machines',
  reverseReprotect: 'Start reverse replication (recovery site to primary site) of virtual machines',
};

/** What each failback phase's task says it does. */
const PHASE_VERB: Record<FailbackPhase, string> = {
  sync: 'Synchronize data to the primary site (recovered machines still running)',
  shutdown: 'Shut down the virtual machines in the recovery site',
  finalSync: 'Synchronize the final changes to the primary site',
  start: 'Start the virtual machines in the primary site',
};

/** ForSynchronization ships while the recovered machine runs, then a final delta after it stops; ForDownTime only after. */
export function failbackPhasesOf(dataSyncOption: FailbackOptions['dataSyncOption']): FailbackPhase[] {
  return dataSyncOption === 'ForSynchronization' ? ['sync', 'shutdown', 'finalSync', 'start'] : ['shutdown', 'finalSync', 'start'];
}

/**
 * The steps and tasks of a job, from the plan and the scenario: a prerequisites check; for a
 * planned failover (or an unplanned one with `sourceSiteOperations: Required`) the source's
 * shutdown; then each group in order with its start actions, its machines (in parallel) and
 * its end actions; a test failover ends waiting for its cleanup. An `approval` gate comes
 * right after the prerequisites, before the source is touched. Actions run only for the
 * failover types and directions they name. Pure: the orchestrator replays it.
 */
export function planRecoverySteps(plan: PlanSnapshot, scenario: RecoveryScenario, options: PlanStepsOptions): PlannedJob {
  const steps: RecoveryStep[] = [];
  const tasks: AsrTask[] = [];
  const add = (step: RecoveryStep, t: AsrTask) => { steps.push(step); tasks.push(t); };
  add({ kind: 'prerequisites', taskId: 'prereq' }, task('prereq', 'Prerequisites', `Prerequisites check for ${scenarioWord(scenario)}`, 'PrerequisiteTask'));
  const operation = MACHINE_OPERATION[scenario];
  const allItems = plan.groups.flatMap((g) => g.items);
  if (options.approval) {
    const { actionName, description } = options.approval;
    add({
      kind: 'action', taskId: 'approval', groupName: 'Approval', items: allItems,
      action: { actionName, failoverTypes: [actionFailoverTypeOf(scenario)], failoverDirections: [options.direction], customDetails: { instanceType: 'ManualActionDetails', description } },
    }, task('approval', actionName, `Approval: ${description}`, 'ManualActionTask'));
  }
  const shutdown = scenario === 'PlannedFailover' || (scenario === 'UnplannedFailover' && options.sourceSiteOperations === 'Required');
  if (shutdown && allItems.length > 0) {
    const waitForFinalLog = scenario === 'PlannedFailover';
    add({ kind: 'shutdown', taskId: 'shutdown', items: allItems, waitForFinalLog },
      task('shutdown', 'ShutdownSource', waitForFinalLog ? 'Shut down the source virtual machines and merge their final logs' : 'Shut down the source virtual machines (best effort)', 'ShutdownTask'));
  }
  const runsActions = operation === 'recover';
  const phases = scenario === 'Failback' ? failbackPhasesOf(options.failback?.dataSyncOption ?? 'ForSynchronization') : undefined;
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
    if (phases && g.items.length > 0) {
      for (const phase of phases) {
        const taskId = `g${gi}-${phase}`;
        const machines = g.items.map((item, mi) => ({ taskId: `${taskId}-m${mi}`, item }));
        add({ kind: 'failbackPhase', taskId, groupName, phase, machines },
          task(taskId, `${groupName}: ${phase}`, `${groupName}: ${PHASE_VERB[phase]}`, 'GroupTask', {
            groupTaskCustomDetails: {
              instanceType: 'RecoveryPlanGroupTaskDetails', groupId: groupName, rpGroupType: g.groupType,
              childTasks: machines.map((m) => task(m.taskId, m.item.name, `${m.item.name}: ${PHASE_VERB[phase]}`, 'VmTask', {
                customDetails: {
                  instanceType: 'VirtualMachineTaskDetails',
                  jobTask: { targetObjectId: m.item.itemId, targetObjectName: m.item.name, targetInstanceType: 'ProtectionEntity', jobScenarioName: scenario, jobFriendlyName: `${m.item.name}: ${phase}` },
                },
              })),
            },
          }));
      }
    } else if (g.items.length > 0) {
      const taskId = `g${gi}`;
      const machines = g.items.map((item, mi) => ({ taskId: `g${gi}-m${mi}`, item }));
      add({ kind: 'group', taskId, groupName, operation, machines },
        task(taskId, groupName, `${groupName}: ${GROUP_PHRASE[operation]}`, 'GroupTask', {
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
