import { METRICS, recordMetric } from '../../telemetry';
import { allTasks, type AsrJobProperties } from '../plan/AsrJob';

/** Scenarios whose success brings machines up on the other side: their duration is the RTO. */
const RECOVERING = new Set(['TestFailover', 'PlannedFailover', 'UnplannedFailover', 'Failback']);
const ENDED = new Set(['Succeeded', 'Failed', 'Cancelled']);

const msBetween = (from?: string, to?: string): number | undefined =>
  from && to ? Date.parse(to) - Date.parse(from) : undefined;

/**
 * Records what one write of a job finished: each step (task) that ended, the job if it ended,
 * and a failover's RTO when it succeeded. Called after the write won, so of two hosts
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
    if (ms === undefined) return;
    recordMetric(METRICS.jobDuration, ms, { ...scenario, 'asr.job.state': after.state });
    if (after.state === 'Succeeded' && RECOVERING.has(after.scenarioName)) recordMetric(METRICS.failoverRto, ms / 1000, scenario);
  }
}
