import type { BlobServiceClient } from '@azure/storage-blob';
import { AgentStateStore } from './AgentStateStore';
import { isTransientFailure } from './isTransientFailure';
import { PlannedFailoverDone, PlannedFailoverSignal } from './PlannedFailoverSignal';
import { CycleReport, ReplicationAgent } from './ReplicationAgent';
import { mergedSequence } from './waitForMerge';

export interface RunOptions {
  stateDir: string;
  vault: string;
  item: string;
  keyFile?: string;
  /** Seconds between cycles; default the policy's replication interval. */
  intervalSeconds?: number;
  /** Stops the loop after the current cycle. */
  signal?: AbortSignal;
  /** First and largest wait after a transient failure (doubling in between, with jitter). */
  backoffMs?: { first: number; max: number };
  onCycle?(report: CycleReport, lagSeconds: number | undefined): void;
  onRetry?(error: unknown, waitMs: number, failures: number): void;
}

export interface RunResult {
  cycles: number;
  /** Set when the loop stopped because a planned failover asked it to. */
  plannedFailover?: PlannedFailoverDone;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * `asr agent run`: cycles at the policy's interval until stopped. Lag = now − the oldest
 * merged cut among the disks (what a failover would lose right now). Transient failures
 * (storage or API unreachable, 5xx, throttling) back off exponentially and retry; what was built
 * stays in the outbox and is uploaded first. A planned-failover request makes it ship a final
 * log per disk (final flag), report them, and stop.
 */
export async function runAgent(blobs: BlobServiceClient, options: RunOptions): Promise<RunResult> {
  const store = new AgentStateStore(options.stateDir, options.vault, options.item);
  const agent = await ReplicationAgent.open(store, blobs, options.keyFile);
  const { vaultSegment, item } = agent.current;
  const control = new PlannedFailoverSignal(blobs, vaultSegment, item);
  const intervalMs = (options.intervalSeconds ?? agent.current.intervalSeconds) * 1000;
  const backoff = options.backoffMs ?? { first: 1000, max: 60_000 };
  let failures = 0;
  let cycles = 0;
  while (!options.signal?.aborted) {
    const started = Date.now();
    try {
      const request = await control.pending();
      const report = await agent.cycle({ finalPlannedFailover: request !== undefined });
      cycles++;
      failures = 0;
      options.onCycle?.(report, await lagSeconds(blobs, agent));
      if (request) {
        const done: PlannedFailoverDone = {
          requestId: request.requestId,
          completedAt: new Date().toISOString(),
          finalLogs: report.disks.map((d) => ({ disk: d.diskId, epoch: agent.current.epoch, sequence: d.sequence, cutTimeMs: report.cutTimeMs })),
        };
        await control.complete(done);
        return { cycles, plannedFailover: done };
      }
      await sleep(Math.max(0, intervalMs - (Date.now() - started)), options.signal);
    } catch (err) {
      if (!isTransientFailure(err)) throw err;
      failures++;
      const base = Math.min(backoff.max, backoff.first * 2 ** (failures - 1));
      const wait = Math.round(base / 2 + Math.random() * (base / 2));
      options.onRetry?.(err, wait, failures);
      await sleep(wait, options.signal);
    }
  }
  return { cycles };
}

async function lagSeconds(blobs: BlobServiceClient, agent: ReplicationAgent): Promise<number | undefined> {
  let oldest: number | undefined;
  for (const d of agent.current.disks) {
    const m = await mergedSequence(blobs, agent.diskRef(d), agent.current.epoch);
    if (m.cutTimeMs === undefined) return undefined;
    oldest = oldest === undefined ? m.cutTimeMs : Math.min(oldest, m.cutTimeMs);
  }
  return oldest === undefined ? undefined : (Date.now() - oldest) / 1000;
}
