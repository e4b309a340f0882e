import type { ReplicaAccess, ReplicaChannel } from './ReplicaChannel';
import { channelOf } from './storageChannel';
import { AgentApi } from './AgentApi';
import { AgentStateStore } from './AgentStateStore';
import { assertProtectionKnown } from './assertStateBelongs';
import { isTransientFailure } from './isTransientFailure';
import { CycleReport, ReplicationAgent } from './ReplicationAgent';
import { mergedSequence } from './waitForMerge';
import { cycleOrRepair, RepairNotice } from './repairToServe';
import { FailbackServeResult, serveFailback } from './serveFailback';

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
  /**
   * The API the CLI addresses: the state must belong to it before the loop starts (see syncItem),
   * and the agent asks it for a repair itself when storage lost acknowledged writes.
   */
  api?: AgentApi;
  /** Told when a cycle is a repair (and why). */
  onRepair?(notice: RepairNotice): void;
  /** Told after each step of a failback round the loop served (digests reported, waiting, applied). */
  onFailback?(result: FailbackServeResult): void;
}

/** Why and how a failover stopped the loop. */
export interface FailoverStop {
  jobId: string;
  /** The final log of each disk (planned failover); empty when none was asked for. */
  finalLogs: { disk: string; epoch: number; sequence: number; cutTimeMs: number }[];
}

export interface RunResult {
  cycles: number;
  failover?: FailoverStop;
}

/** How often the loop looks at a pending failback round (the service prepares the delta meanwhile). */
const FAILBACK_POLL_MS = 2000;

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
 * (storage or API unreachable, 5xx, throttling) back off exponentially and retry; a log built
 * before the failure stays in the outbox and is uploaded first.
 *
 * Failover: before each cycle the agent reads the item's shutdown request
 * (`failover-control/{vault}/{item}/shutdown-request.json`, shared/recovery). A planned failover
 * (`shipFinalLog`) gets one last log per disk with the final flag; then, or at once for an
 * unplanned one, the agent records the job and stops; it will not ship into that epoch again.
 * A committed failover (`reason: FailoverCommitted`) ends replication: the loop stops with
 * `ReplicationEnded`, an error, since the source must not go on as if it were protected.
 *
 * Failback: a pending failback round (docs/failback.md) is served before anything else and
 * replaces the cycle, also after a committed failover; while the request stays the loop polls
 * it every 2 s (no cycles). Without one, a committed failover stops the loop as above.
 *
 * Repair: each cycle first checks the replicas against what the service acknowledged and the
 * item's repair request (shared/agent repairToServe); a due repair ships instead of the cycle.
 */
export async function runAgent(access: ReplicaAccess, options: RunOptions): Promise<RunResult> {
  const store = new AgentStateStore(options.stateDir, options.vault, options.item);
  const channel = channelOf(access);
  const agent = await ReplicationAgent.open(store, channel, options.keyFile);
  try {
    if (options.api) await assertProtectionKnown(options.api, store, agent.current);
    return await loop(agent, channel, options);
  } finally {
    await agent.close();
  }
}

async function loop(agent: ReplicationAgent, channel: ReplicaChannel, options: RunOptions): Promise<RunResult> {
  const where = { vault: agent.current.vaultSegment, item: agent.current.item };
  const intervalMs = (options.intervalSeconds ?? agent.current.intervalSeconds) * 1000;
  const backoff = options.backoffMs ?? { first: 1000, max: 60_000 };
  let failures = 0;
  let cycles = 0;
  while (!options.signal?.aborted) {
    const started = Date.now();
    try {
      // A pending failback round comes first and replaces the cycle: the workload runs in the
      // recovery site and its data is coming home; this also holds after a committed failover.
      const failback = await serveFailback(agent, channel);
      if (failback.state !== 'none') {
        failures = 0;
        options.onFailback?.(failback);
        await sleep(Math.min(intervalMs, FAILBACK_POLL_MS), options.signal);
        continue;
      }
      const request = await channel.shutdownRequest(where);
      await agent.stopIfFailoverCommitted(request);
      if (request && !request.shipFinalLog) {
        await agent.markStoppedForFailover(request.jobId, false);
        return { cycles, failover: { jobId: request.jobId, finalLogs: [] } };
      }
      // A repair (requested, or lost acknowledged writes found) replaces the cycle; never during a failover's final log.
      const report = request ? await agent.cycle({ finalPlannedFailover: true }) : await cycleOrRepair(agent, channel, {}, options.api, options.onRepair);
      cycles++;
      failures = 0;
      if (request) {
        await agent.markStoppedForFailover(request.jobId, true);
        const finalLogs = report.disks.map((d) => ({ disk: d.diskId, epoch: agent.current.epoch, sequence: d.sequence, cutTimeMs: report.cutTimeMs }));
        options.onCycle?.(report, await lagSeconds(channel, agent));
        return { cycles, failover: { jobId: request.jobId, finalLogs } };
      }
      options.onCycle?.(report, await lagSeconds(channel, agent));
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

async function lagSeconds(channel: ReplicaChannel, agent: ReplicationAgent): Promise<number | undefined> {
  let oldest: number | undefined;
  for (const d of agent.current.disks) {
    const m = await mergedSequence(channel, agent.diskRef(d), agent.current.epoch);
    if (m.cutTimeMs === undefined) return undefined;
    oldest = oldest === undefined ? m.cutTimeMs : Math.min(oldest, m.cutTimeMs);
  }
  return oldest === undefined ? undefined : (Date.now() - oldest) / 1000;
}
