import type { EventProperties } from '../metadata';

/** Severities of replication events, worst first. */
export const EVENT_SEVERITIES = ['Critical', 'Warning', 'Info'] as const;
export type EventSeverity = (typeof EVENT_SEVERITIES)[number];

/** `eventType` of protected-item events (ASR's name), of job events and of the phases (top-level steps) of a job. */
export const EVENT_TYPES = { itemHealth: 'VmHealth', job: 'JobStatus', jobStep: 'JobStepStatus' } as const;

/** `eventCode`s this service raises (docs/events.md lists what each means). */
export const EVENT_CODES = [
  'ReplicationHealthChanged', 'ResyncStarted', 'ResyncCompleted', 'RpoThresholdCrossed', 'RpoRecovered', 'LogQuarantined',
  'JobStarted', 'JobSuspended', 'JobSucceeded', 'JobFailed', 'JobCancelled',
  'JobStepStarted', 'JobStepSucceeded', 'JobStepFailed',
] as const;
export type EventCode = (typeof EVENT_CODES)[number];

/** An event as a state change raises it: everything but its identity and order, which the outbox assigns. */
export interface ReplicationEventDraft extends Omit<EventProperties, 'severity' | 'eventCode'> {
  eventCode: EventCode;
  severity: EventSeverity;
}
