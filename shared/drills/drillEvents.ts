import { EVENT_TYPES, type EventCode, type EventSeverity, type ReplicationEventDraft } from '../events';
import type { DrillResult, DrillRunProperties } from './DrillRunRecord';

const CODE: Record<DrillResult, { code: EventCode; severity: EventSeverity }> = {
  Passed: { code: 'DrillPassed', severity: 'Info' },
  Failed: { code: 'DrillFailed', severity: 'Critical' },
  Skipped: { code: 'DrillSkipped', severity: 'Warning' },
  Missed: { code: 'DrillMissed', severity: 'Warning' },
};

/** The event a finished drill run raises: its result, why, and (when the schedule names them) the only alert targets that get it. */
export function drillEventOf(run: { name: string; armId: string }, p: DrillRunProperties, notifyTargets: string[], at: string): ReplicationEventDraft {
  const result = p.result ?? 'Failed';
  const { code, severity } = CODE[result];
  const vault = run.armId.split('/providers/')[1]?.split('/')[2] ?? '';
  return {
    eventCode: code, severity, eventType: EVENT_TYPES.drill,
    description: `Drill ${run.name} of recovery plan ${p.planName} (schedule ${p.scheduleName}, due ${p.dueTime}): ${result}${p.reason ? `: ${p.reason}` : ''}`,
    affectedObjectFriendlyName: p.planName,
    affectedObjectCorrelationId: p.planId,
    timeOfOccurrence: at,
    healthErrors: [],
    eventSpecificDetails: {
      instanceType: 'DrillStatus', drillRunId: run.armId, scheduleId: p.scheduleId, result, trigger: p.trigger, dueTime: p.dueTime,
      testFailoverJobId: p.testFailoverJobId, cleanupJobId: p.cleanupJobId, failures: p.failures,
      ...(notifyTargets.length ? { notifyTargets } : {}),
    },
    ...(result === 'Passed' ? {} : { recommendedAction: result === 'Failed'
      ? `Read the drill run ('asr drill show ${vault} ${p.planName} ${p.scheduleName} --run ${run.name}') and the test failover job; fix the machine or probe it names`
      : result === 'Skipped' ? 'Let the running operation finish, or run the drill by hand (asr drill run)' : 'Run the drill by hand (asr drill run) and check that the host runs' }),
  };
}
