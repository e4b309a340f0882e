import type { AsrTask } from '../../../shared/recovery/plan/AsrJob';
import { machineTaskPage } from '../../../shared/recovery/plan/jobTaskPages';
import { JOB_TASKS_INLINE } from '../../../shared/recovery/plan/planLimits';
import type { RecoveryJobDocument } from '../../../shared/recovery/jobs/RecoveryJobDocument';
import { shapeJob } from '../../../shared/recovery/service/RecoveryJobService';

const task = (taskId: string, state: AsrTask['state'], childTasks?: AsrTask[]): AsrTask => ({
  taskId, name: taskId, friendlyName: taskId, state, stateDescription: state, taskType: childTasks ? 'GroupTask' : 'VmTask', allowedActions: [], errors: [],
  ...(childTasks ? { groupTaskCustomDetails: { instanceType: 'RecoveryPlanGroupTaskDetails', groupId: taskId, rpGroupType: 'Boot', childTasks } } : {}),
});
/** A plan job: prerequisites, then `groups` groups of `per` machines; the first machine of each group failed. */
const jobOf = (groups: number, per: number): RecoveryJobDocument => ({
  id: 'j', name: 'j', armId: '/v/replicationJobs/j',
  properties: {
    state: 'InProgress', tasks: [task('prereq', 'Succeeded'), ...Array.from({ length: groups }, (_, g) =>
      task(`g${g}`, 'InProgress', Array.from({ length: per }, (_, m) => task(`g${g}-vm${m}`, m === 0 ? 'Failed' : 'Succeeded'))))],
  },
} as unknown as RecoveryJobDocument);

describe('job answers of many machines: first machine tasks inline with counts, the rest paged', () => {
  it('answers a job of up to JOB_TASKS_INLINE machines whole, as before', () => {
    const job = jobOf(5, 20);
    const shaped = shapeJob(job) as { properties: Record<string, unknown> };
    expect(shaped.properties.tasks).toEqual(job.properties.tasks);
    expect(shaped.properties.taskSummary).toBeUndefined();
  });

  it('answers 2,000 machine tasks as the first 100 and counts by state, with the link to page the rest', () => {
    const job = jobOf(20, 100);
    const shaped = shapeJob(job) as { properties: { tasks: AsrTask[]; taskSummary: Record<string, unknown> } };
    const inline = shaped.properties.tasks.flatMap((t) => t.groupTaskCustomDetails?.childTasks ?? []);
    expect(inline).toHaveLength(JOB_TASKS_INLINE);
    expect(shaped.properties.tasks.map((t) => t.taskId)).toEqual(job.properties.tasks.map((t) => t.taskId));
    expect(shaped.properties.taskSummary).toEqual({ machineTasks: 2000, inline: 100, byState: { Failed: 20, Succeeded: 1980 }, tasksLink: '/v/replicationJobs/j/tasks' });
    expect(JSON.stringify(shaped).length).toBeLessThan(60_000);
  });

  it('pages every machine task once, in order, each naming its group', () => {
    const job = jobOf(20, 100);
    const seen: string[] = [];
    let offset: number | undefined = 0;
    while (offset !== undefined) {
      const page = machineTaskPage(job.properties.tasks, offset, 300);
      expect(page.value.length).toBeLessThanOrEqual(300);
      seen.push(...page.value.map((t) => `${t.parentTaskId}/${t.taskId}`));
      offset = page.next;
    }
    expect(seen).toHaveLength(2000);
    expect(seen[0]).toBe('g0/g0-vm0');
    expect(seen[1999]).toBe('g19/g19-vm99');
  });
});
