import type { AsrTask, AsrTaskState } from './AsrJob';
import { JOB_TASKS_INLINE } from './planLimits';

/** A machine task (child of a group task) with the group it belongs to, as the tasks page lists it. */
export type PagedTask = AsrTask & { parentTaskId: string };

/** How many machine tasks a job has and in which states, when its answer carries only some. */
export interface JobTaskSummary {
  machineTasks: number;
  inline: number;
  byState: Partial<Record<AsrTaskState, number>>;
}

function childTasksOf(tasks: AsrTask[]): PagedTask[] {
  return tasks.flatMap((t) => (t.groupTaskCustomDetails?.childTasks ?? []).map((c) => ({ ...c, parentTaskId: t.taskId })));
}

/**
 * The job's top-level tasks as its answer carries them: unchanged up to {@link JOB_TASKS_INLINE}
 * machine tasks; above, each group keeps its machine tasks only while the budget lasts (document
 * order) and the summary counts them all by state.
 */
export function inlineJobTasks(tasks: AsrTask[]): { tasks: AsrTask[]; summary?: JobTaskSummary } {
  const children = childTasksOf(tasks);
  if (children.length <= JOB_TASKS_INLINE) return { tasks };
  let budget = JOB_TASKS_INLINE;
  const trimmed = tasks.map((t) => {
    const details = t.groupTaskCustomDetails;
    if (!details) return t;
    const keep = details.childTasks.slice(0, Math.max(0, budget));
    budget -= keep.length;
    return { ...t, groupTaskCustomDetails: { ...details, childTasks: keep } };
  });
  const byState: JobTaskSummary['byState'] = {};
  for (const c of children) byState[c.state] = (byState[c.state] ?? 0) + 1;
  return { tasks: trimmed, summary: { machineTasks: children.length, inline: JOB_TASKS_INLINE, byState } };
}

/** One page of the job's machine tasks, from `offset`, at most `top`; `next` is the offset of the next page. */
export function machineTaskPage(tasks: AsrTask[], offset: number, top: number): { value: PagedTask[]; next?: number } {
  const children = childTasksOf(tasks);
  const value = children.slice(offset, offset + top);
  return { value, next: offset + top < children.length ? offset + top : undefined };
}
