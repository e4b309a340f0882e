import { ServiceError } from '../errors';
import type { AgentApi } from './AgentApi';
import type { ReplicaAccess } from './ReplicaChannel';
import { channelOf } from './storageChannel';
import { AgentStateStore } from './AgentStateStore';
import { assertProtectionKnown, assertSameEndpoint } from './assertStateBelongs';
import { CycleOptions, CycleReport, ReplicationAgent } from './ReplicationAgent';
import { cycleOrRepair, RepairNotice } from './repairToServe';
import { REPAIR_SIGNALS, waitForMerge, WaitForMergeOptions } from './waitForMerge';

export interface SyncOptions extends CycleOptions {
  stateDir: string;
  vault: string;
  item: string;
  keyFile?: string;
  noWait?: boolean;
  merge?: WaitForMergeOptions;
  /**
   * The API the CLI addresses: the state must belong to it (endpoint and protection id, see
   * assertStateBelongs) before anything is cut or shipped, and the agent asks it for a repair
   * itself when storage lost acknowledged writes. Without it (tools, tests) unchecked.
   */
  api?: AgentApi;
  /** Told when the sync repairs instead of cycling (and why). */
  onRepair?(notice: RepairNotice): void;
}

/**
 * `asr agent sync`: one cycle for every disk at one cut, then (unless `noWait`) waits until
 * merged and records what the service acknowledged. If the replicas lost acknowledged writes
 * (found before the cycle, or while waiting) or a repair was requested, the sync repairs
 * instead: a new epoch with only the blocks that differ (see repairToServe).
 * An item whose failover was committed ships nothing: `ReplicationEnded`, saying why.
 */
export async function syncItem(access: ReplicaAccess, options: SyncOptions): Promise<CycleReport> {
  const channel = channelOf(access);
  const store = new AgentStateStore(options.stateDir, options.vault, options.item);
  const agent = await ReplicationAgent.open(store, channel, options.keyFile);
  try {
    // The endpoint first (no request), then the failover's verdict (storage only), then the API.
    if (options.api) assertSameEndpoint(store, agent.current, options.api);
    await agent.stopIfFailoverCommitted(await channel.shutdownRequest({ vault: agent.current.vaultSegment, item: agent.current.item }));
    if (options.api) await assertProtectionKnown(options.api, store, agent.current);
    let report = await cycleOrRepair(agent, channel, options, options.api, options.onRepair);
    if (options.noWait) return report;
    try {
      await waitForMerge(channel, report.targets, options.merge);
    } catch (err) {
      if (!(err instanceof ServiceError && REPAIR_SIGNALS.includes(err.code)) || report.repairEpoch !== undefined) throw err;
      // The replica went back (or a repair started) while we waited: repair now, and wait for that.
      report = await cycleOrRepair(agent, channel, options, options.api, options.onRepair);
      await waitForMerge(channel, report.targets, options.merge);
    }
    await agent.recordAcknowledged(report.targets);
    return report;
  } finally {
    await agent.close();
  }
}
