import { EntitySchedulerState } from '../entities/EntityScheduler';
import { RuntimeStatus } from './RuntimeStatus';
import { RecordedEvent } from '../replay/RecordedEvent';

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
  /**
   * Durable entities (`@name@key`): the state as JSON text, whether it exists, recent request
   * ids, and the critical-section bookkeeping (waiting operations, lock holder).
   */
  entity?: { state?: string; exists: boolean; processed: string[] } & Partial<EntitySchedulerState>;
  etag?: string;
}
