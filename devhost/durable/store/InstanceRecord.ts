import { RecordedEvent } from '../replay/RecordedEvent';

/** Runtime status names, as the Durable HTTP API and the library spell them. */
export type RuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Terminated' | 'Suspended';

export const TERMINAL_STATUSES: readonly RuntimeStatus[] = ['Completed', 'Failed', 'Terminated'];

export function isTerminal(status: RuntimeStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** Where a sub-orchestration reports back. */
export interface ParentLink {
  instanceId: string;
  executionId: string;
  taskId: number;
  name: string;
}

/** An event that arrived while the instance could not take it (suspended or not started). */
export interface ParkedEvent extends RecordedEvent {
  executionId: string;
}

/**
 * One orchestration instance: the row of the Instances table. `historyCount` is the commit
 * point: history rows beyond it were written by an episode that never committed.
 */
export interface InstanceRecord {
  instanceId: string;
  name: string;
  version: string;
  executionId: string;
  runtimeStatus: RuntimeStatus;
  /** JSON text. */
  input: string;
  output?: string;
  customStatus?: string;
  createdTime: Date;
  lastUpdatedTime: Date;
  parent?: ParentLink;
  historyCount: number;
  parked: ParkedEvent[];
  etag?: string;
}
