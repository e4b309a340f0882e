import type { BlobServiceClient } from '@azure/storage-blob';
import { ServiceError } from '../errors';
import type { AgentApi } from './AgentApi';
import { AgentStateStore } from './AgentStateStore';
import { CycleOptions, CycleReport, ReplicationAgent } from './ReplicationAgent';
import { cycleOrRepair, RepairNotice } from './repairToServe';
import { REPAIR_SIGNALS, waitForMerge, WaitForMergeOptions } from './waitForMerge';
import { shutdownRequests } from './runAgent';

export interface SyncOptions extends CycleOptions {
  stateDir: string;
  vault: string;
  item: string;
  keyFile?: string;
  noWait?: boolean;
  merge?: WaitForMergeOptions;
  /** The API, so the agent can ask for a repair itself when storage lost acknowledged writes. */
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
export async function syncItem(blobs: BlobServiceClient, options: SyncOptions): Promise<CycleReport> {
  const agent = await ReplicationAgent.open(new AgentStateStore(options.stateDir, options.vault, options.item), blobs, options.keyFile);
  try {
    await agent.stopIfFailoverCommitted(await shutdownRequests(blobs).read({ vault: agent.current.vaultSegment, item: agent.current.item }));
    let report = await cycleOrRepair(agent, blobs, options, options.api, options.onRepair);
    if (options.noWait) return report;
    try {
      await waitForMerge(blobs, report.targets, options.merge);
    } catch (err) {
      if (!(err instanceof ServiceError && REPAIR_SIGNALS.includes(err.code)) || report.repairEpoch !== undefined) throw err;
      // The replica went back (or a repair started) while we waited: repair now, and wait for that.
      report = await cycleOrRepair(agent, blobs, options, options.api, options.onRepair);
      await waitForMerge(blobs, report.targets, options.merge);
    }
    await agent.recordAcknowledged(report.targets);
    return report;
  } finally {
    await agent.close();
  }
}
