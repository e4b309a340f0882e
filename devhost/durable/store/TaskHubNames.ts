import { HostStartupError } from '../../core/HostStartupError';

/** Names of the task hub's tables and queues, derived from host.json `durableTask.hubName`. */
export interface TaskHubNames {
  hub: string;
  instancesTable: string;
  historyTable: string;
  controlQueue: string;
  workItemQueue: string;
  /** Blob container of messages too large for a queue (as DurableTask.AzureStorage names it). */
  largeMessageContainer: string;
}

/**
 * Validates the hub name as Durable Functions does (3-45 letters and digits, starting with a
 * letter: it becomes part of table and queue names) and derives the storage names.
 */
export function taskHubNames(hub: string): TaskHubNames {
  if (!/^[A-Za-z][A-Za-z0-9]{2,44}$/.test(hub)) {
    throw new HostStartupError(`host.json extensions.durableTask.hubName "${hub}" is invalid: use 3-45 letters and digits, starting with a letter.`);
  }
  const lower = hub.toLowerCase();
  return { hub, instancesTable: `${hub}Instances`, historyTable: `${hub}History`, controlQueue: `${lower}-control`, workItemQueue: `${lower}-workitems`, largeMessageContainer: `${lower}-largemessages` };
}
