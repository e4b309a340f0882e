import type { EventProperties } from '../metadata';

/** Severities of replication events, worst first. */
export const EVENT_SEVERITIES = ['Critical', 'Warning', 'Info'] as const;
export type EventSeverity = (typeof EVENT_SEVERITIES)[number];

/** `eventType` of protected-item events (ASR's name), of job events, of the phases (top-level steps) of a job, of drills and of alert rules. */
export const EVENT_TYPES = { itemHealth: 'VmHealth', job: 'JobStatus', jobStep: 'JobStepStatus', drill: 'DrillStatus', alert: 'AlertRule' } as const;

/** `eventCode`s this service raises (docs/events.md lists what each means). */
export const EVENT_CODES = [
  'ReplicationHealthChanged', 'ResyncStarted', 'ResyncCompleted', 'RpoThresholdCrossed', 'RpoRecovered', 'LogQuarantined', 'RecoveryPointCutFailed',
  'JobStarted', 'JobSuspended', 'JobSucceeded', 'JobFailed', 'JobCancelled',
  'JobStepStarted', 'JobStepSucceeded', 'JobStepFailed',
  'DrillPassed', 'DrillFailed', 'DrillSkipped', 'DrillMissed',
  // an alert rule whose action is RaiseEvent acted on an alert (docs/alert-rules.md)
  'AlertReceived',
] as const;
export type EventCode = (typeof EVENT_CODES)[number];

/** An event as a state change raises it: everything but its identity and order, which the outbox assigns. */
export interface ReplicationEventDraft extends Omit<EventProperties, 'severity' | 'eventCode'> {
  eventCode: EventCode;
  severity: EventSeverity;
}
