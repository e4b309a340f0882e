import type { ReplicaAccess } from './ReplicaChannel';
import { channelOf } from './storageChannel';
import { AgentStateStore } from './AgentStateStore';
import { CycleOptions, CycleReport, ReplicationAgent } from './ReplicationAgent';
import { waitForMerge, WaitForMergeOptions } from './waitForMerge';

export interface SyncOptions extends CycleOptions {
  stateDir: string;
  vault: string;
  item: string;
  keyFile?: string;
  noWait?: boolean;
  merge?: WaitForMergeOptions;
}

/**
 * `asr agent sync`: one cycle for every disk at one cut, then (unless `noWait`) waits until merged.
 * An item whose failover was committed ships nothing: `ReplicationEnded`, saying why.
 */
export async function syncItem(access: ReplicaAccess, options: SyncOptions): Promise<CycleReport> {
  const channel = channelOf(access);
  const agent = await ReplicationAgent.open(new AgentStateStore(options.stateDir, options.vault, options.item), channel, options.keyFile);
  let report: CycleReport;
  try {
    await agent.stopIfFailoverCommitted(await channel.shutdownRequest({ vault: agent.current.vaultSegment, item: agent.current.item }));
    report = await agent.cycle(options);
  } finally {
    await agent.close();
  }
  if (!options.noWait) await waitForMerge(channel, report.targets, options.merge);
  return report;
}
