import type { BlobServiceClient } from '@azure/storage-blob';
import { AgentApi } from './AgentApi';
import { AgentStateStore } from './AgentStateStore';
import { assertProtectionKnown, assertSameEndpoint } from './assertStateBelongs';
import { CycleOptions, CycleReport, ReplicationAgent } from './ReplicationAgent';
import { waitForMerge, WaitForMergeOptions } from './waitForMerge';
import { shutdownRequests } from './runAgent';

export interface SyncOptions extends CycleOptions {
  stateDir: string;
  vault: string;
  item: string;
  keyFile?: string;
  noWait?: boolean;
  merge?: WaitForMergeOptions;
  /**
   * The API the CLI addresses: the state must belong to it (endpoint and protection id, see
   * assertStateBelongs) before anything is cut or shipped. Without it (tools, tests) unchecked.
   */
  api?: AgentApi;
}

/**
 * `asr agent sync`: one cycle for every disk at one cut, then (unless `noWait`) waits until merged.
 * An item whose failover was committed ships nothing: `ReplicationEnded`, saying why.
 */
export async function syncItem(blobs: BlobServiceClient, options: SyncOptions): Promise<CycleReport> {
  const store = new AgentStateStore(options.stateDir, options.vault, options.item);
  const agent = await ReplicationAgent.open(store, blobs, options.keyFile);
  let report: CycleReport;
  try {
    // The endpoint first (no request), then the failover's verdict (storage only), then the API.
    if (options.api) assertSameEndpoint(store, agent.current, options.api);
    await agent.stopIfFailoverCommitted(await shutdownRequests(blobs).read({ vault: agent.current.vaultSegment, item: agent.current.item }));
    if (options.api) await assertProtectionKnown(options.api, store, agent.current);
    report = await agent.cycle(options);
  } finally {
    await agent.close();
  }
  if (!options.noWait) await waitForMerge(blobs, report.targets, options.merge);
  return report;
}
