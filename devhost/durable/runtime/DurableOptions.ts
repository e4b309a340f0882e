import { parseTimeSpan } from '../../core/HostConfig';

/** The durableTask settings of host.json the local host honours. */
export interface DurableOptions {
  hubName: string;
  maxConcurrentActivityFunctions: number;
  maxConcurrentOrchestratorFunctions: number;
  /** How long a received message stays hidden; after a crash, held work reappears this late. */
  controlQueueVisibilitySeconds: number;
  workItemQueueVisibilitySeconds: number;
  /** Longest pause between polls of an empty queue. */
  maxQueuePollingIntervalMs: number;
}

/**
 * Reads `extensions.durableTask` (and its `storageProvider`), with defaults that suit one local
 * host: 30 s visibility (Azure's 5 min would make a restarted host wait that long for work a
 * crash left hidden) and a 1 s polling ceiling.
 */
export function readDurableOptions(durableTask: { hubName: string; maxConcurrentActivityFunctions: number; maxConcurrentOrchestratorFunctions: number }, raw: Record<string, unknown>): DurableOptions {
  const ext = ((raw.extensions ?? {}) as Record<string, Record<string, unknown>>).durableTask ?? {};
  const sp = (ext.storageProvider ?? {}) as Record<string, unknown>;
  const seconds = (v: unknown, d: number) => (typeof v === 'string' ? Math.max(1, Math.round(parseTimeSpan(v) / 1000)) : d);
  return {
    ...durableTask,
    controlQueueVisibilitySeconds: seconds(sp.controlQueueVisibilityTimeout, 30),
    workItemQueueVisibilitySeconds: seconds(sp.workItemQueueVisibilityTimeout, 30),
    maxQueuePollingIntervalMs: typeof sp.maxQueuePollingInterval === 'string' ? Math.max(10, parseTimeSpan(sp.maxQueuePollingInterval)) : 1000,
  };
}
