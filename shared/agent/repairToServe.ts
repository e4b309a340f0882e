import type { RepairRequest } from '../contracts/replicationRepair';
import { ServiceError } from '../errors';
import type { AgentApi } from './AgentApi';
import type { CycleOptions, CycleReport, ReplicationAgent } from './ReplicationAgent';
import type { ReplicaAccess, ReplicaChannel } from './ReplicaChannel';
import { channelOf } from './storageChannel';
import { lostWritesMessage } from './waitForMerge';

/** An item's repair requests, read through the agent's channel. */
interface RepairRequestReader {
  read(vaultSegment: string, item: string): Promise<RepairRequest | undefined>;
}

function repairRequestsOf(channel: ReplicaChannel): RepairRequestReader {
  return { read: (vault, item) => channel.repairRequest({ vault, item }) };
}

/** What an agent reports when it repairs by itself. */
export interface RepairNotice {
  epoch: number;
  /** Why: the lost writes it detected, or the operator's request. */
  reason: string;
}

/**
 * Decides, before a cycle, whether the agent must repair its replicas, and gets the request to
 * serve. Detection lives here, in the agent (docs/replication.md, "Lost writes and repair"): it
 * alone knows which sequences the service acknowledged (it saw the replica reach them) and that
 * those logs have left its outbox. A replica found below that, or at an older epoch, lost
 * acknowledged writes: the agent asks the API for `repairReplication` itself and serves the
 * request the service writes. A request of a newer epoch (an operator's `asr item resync`) is
 * served as it is. Without an API client (a caller that passes none) it fails with
 * `ReplicationStateLost`, naming the command that repairs.
 */
export async function repairToServe(agent: ReplicationAgent, access: ReplicaAccess, api?: AgentApi, onRepair?: (n: RepairNotice) => void): Promise<RepairRequest | undefined> {
  const requests = repairRequestsOf(channelOf(access));
  const s = agent.current;
  const pending = await requests.read(s.vaultSegment, s.item);
  if (pending && pending.epoch > s.epoch) {
    onRepair?.({ epoch: pending.epoch, reason: `repair requested (${pending.reason})` });
    return pending;
  }
  const { lost, newerEpoch } = await agent.checkReplicas();
  if (newerEpoch !== undefined) {
    // A repair is being started: the service moves the replicas first, writes the request last.
    // Cycling now would ship into the old epoch; wait for the request instead.
    const request = await waitForRequest(requests, s.vaultSegment, s.item, s.epoch);
    onRepair?.({ epoch: request.epoch, reason: `repair requested (${request.reason})` });
    return request;
  }
  if (lost.length === 0) return undefined;
  const what = lost.map((l) => lostWritesMessage(`${s.item}/${l.diskId}`, s.epoch, l.acked, l.replica)).join('; ');
  if (!api?.post) {
    throw new ServiceError('ReplicationStateLost', `${what}. Repair it: asr item resync ${s.vault} ${s.item} (ASR: repairReplication), then sync again`);
  }
  await api.post(`${s.itemArmId}/repairReplication`, {});
  const started = await requests.read(s.vaultSegment, s.item);
  if (!started || started.epoch <= s.epoch) {
    throw new ServiceError('ReplicationStateLost', `${what}; the service accepted a repair but its request is not readable yet: sync again`, { retryable: true });
  }
  onRepair?.({ epoch: started.epoch, reason: what });
  return started;
}

/** How long the agent waits for a repair's request once it saw a replica moved to a newer epoch. */
const REQUEST_WAIT_MS = 60_000;

async function waitForRequest(requests: RepairRequestReader, vaultSegment: string, item: string, epoch: number): Promise<RepairRequest> {
  const deadline = Date.now() + REQUEST_WAIT_MS;
  for (;;) {
    const r = await requests.read(vaultSegment, item);
    if (r && r.epoch > epoch) return r;
    if (Date.now() > deadline) {
      throw new ServiceError('ResyncRequested', `a repair moved the replicas past epoch ${epoch}, but its request has not appeared in ${REQUEST_WAIT_MS / 1000} s; run the sync again (or 'asr item resync')`, { retryable: true });
    }
    await new Promise((res) => setTimeout(res, 250));
  }
}

/** One step of replication: the repair when one is due, else an ordinary cycle. */
export async function cycleOrRepair(agent: ReplicationAgent, access: ReplicaAccess, options: CycleOptions, api?: AgentApi, onRepair?: (n: RepairNotice) => void): Promise<CycleReport> {
  const channel = channelOf(access);
  const request = await repairToServe(agent, channel, api, onRepair);
  if (!request) return agent.cycle(options);
  const where = { vault: agent.current.vaultSegment, item: agent.current.item };
  return agent.resync(request, (diskId) => channel.repairDigests(where, request, diskId), options);
}
