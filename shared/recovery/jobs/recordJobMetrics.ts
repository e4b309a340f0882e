import { METRICS, recordMetric } from '../../telemetry';
import { allTasks, type AsrJobProperties } from '../plan/AsrJob';

/** Scenarios that bring machines up on the other side: the time until the last is up is their RTO. */
const RECOVERING = new Set(['TestFailover', 'PlannedFailover', 'UnplannedFailover', 'Failback']);
const ENDED = new Set(['Succeeded', 'Failed', 'Cancelled']);

const msBetween = (from?: string, to?: string): number | undefined =>
  from && to ? Date.parse(to) - Date.parse(from) : undefined;

/**
 * Records what one write of a job finished: each step (task) that ended, the job if it ended,
 * and a failover's RTO once its last machine is up. Called after the write won, so of two hosts
 * recording the same events only the one whose write changed the job counts them.
 */
export function recordJobMetrics(before: AsrJobProperties, after: AsrJobProperties): void {
  const scenario = { 'asr.job.scenario': after.scenarioName };
  const ended = new Map(allTasks(before.tasks).map((t) => [t.taskId, ENDED.has(t.state)]));
  for (const task of allTasks(after.tasks)) {
    if (!ENDED.has(task.state) || ended.get(task.taskId)) continue;
    const ms = msBetween(task.startTime, task.endTime);
    if (ms !== undefined) recordMetric(METRICS.jobStepDuration, ms, { ...scenario, 'asr.job.step': task.name, 'asr.job.step.type': task.taskType, 'asr.job.state': task.state });
  }
  if (ENDED.has(after.state) && !ENDED.has(before.state)) {
    const ms = msBetween(after.startTime, after.endTime);
    if (ms !== undefined) recordMetric(METRICS.jobDuration, ms, { ...scenario, 'asr.job.state': after.state });
  }
  const rto = RECOVERING.has(after.scenarioName) && !allMachinesUp(before) ? machinesUpAfterMs(after) : undefined;
  if (rto !== undefined) recordMetric(METRICS.failoverRto, rto / 1000, scenario);
}

function machineTasks(job: AsrJobProperties): ReturnType<typeof allTasks> {
  return allTasks(job.tasks).filter((t) => t.taskType === 'VmTask');
}

function allMachinesUp(job: AsrJobProperties): boolean {
  const machines = machineTasks(job);
  return machines.length > 0 && machines.every((t) => t.state === 'Succeeded');
}

/**
 * From the job's start until its last machine was up, once every machine is (a test failover
 * then waits for its cleanup: the RTO is reached before the job ends).
 */
function machinesUpAfterMs(job: AsrJobProperties): number | undefined {
  if (!allMachinesUp(job)) return undefined;
  const last = Math.max(...machineTasks(job).map((t) => Date.parse(t.endTime ?? '')));
  return Number.isNaN(last) ? undefined : last - Date.parse(job.startTime);
}
