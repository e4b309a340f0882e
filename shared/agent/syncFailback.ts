import { ServiceError } from '../errors';
import type { AgentApi } from './AgentApi';
import { assertProtectionKnown, assertSameEndpoint } from './assertStateBelongs';
import { AgentStateStore } from './AgentStateStore';
import type { ReplicaAccess } from './ReplicaChannel';
import { ReplicationAgent } from './ReplicationAgent';
import { FailbackServeOptions, FailbackServeResult, serveFailback } from './serveFailback';
import { channelOf } from './storageChannel';

export interface SyncFailbackOptions extends FailbackServeOptions {
  stateDir: string;
  vault: string;
  item: string;
  keyFile?: string;
  /** Return after reporting the digests instead of waiting for the service's delta. */
  noWait?: boolean;
  /** How long to wait for the service's delta logs (default 30 min), polling every `pollMs` (1 s). */
  waitMs?: number;
  pollMs?: number;
  /** The API the CLI addresses: the state must belong to it (assertStateBelongs) before a round is served. */
  api?: AgentApi;
}

/**
 * `asr agent sync` when the item has a pending failback round: serves it to the end (digests,
 * then the delta once the service wrote it, applied and reported) and returns; `none` when no
 * failback is pending (the caller then syncs as usual). Works after a committed failover: a
 * failback is how the data comes home.
 */
export async function syncFailback(access: ReplicaAccess, options: SyncFailbackOptions): Promise<FailbackServeResult> {
  const channel = channelOf(access);
  const store = new AgentStateStore(options.stateDir, options.vault, options.item);
  const agent = await ReplicationAgent.open(store, channel, options.keyFile);
  try {
    if (options.api) {
      assertSameEndpoint(store, agent.current, options.api);
      // Only a pending round costs the API a request: a plain sync checks again in syncItem.
      if (await channel.failbackRequest({ vault: agent.current.vaultSegment, item: agent.current.item })) await assertProtectionKnown(options.api, store, agent.current);
    }
    const deadline = Date.now() + (options.waitMs ?? 30 * 60_000);
    for (;;) {
      const r = await serveFailback(agent, channel, options);
      if (r.state !== 'waiting' || options.noWait) return r;
      if (Date.now() > deadline) {
        throw new ServiceError('FailbackTimedOut', `the service has not written the delta of failback round ${r.round} (job ${r.jobId}) in ${Math.round((options.waitMs ?? 30 * 60_000) / 1000)} s; the digests are reported: run the sync again to go on`, { retryable: true });
      }
      await new Promise((res) => setTimeout(res, options.pollMs ?? 1000));
    }
  } finally {
    await agent.close();
  }
}
