import { ServiceError } from '../../errors';
import type { ProtectedItemProperties, ResourceDocument } from '../../metadata';
import { isFailoverState } from '../../protection';
import type { RepairRequest } from '../../contracts/replicationRepair';
import { repairProgress, startReplicationRepair, vaultSegmentOf, type RepairProgress, type RepairTarget, type ReplicationDeps } from '../../replication';

/**
 * ASR's `repairReplication` of a protected item: the service's half of a resync (new epoch,
 * replica digests, the request the agent polls) and its progress for the operation's poll.
 * The agent's half runs when it next runs (docs/replication.md, "Lost writes and repair").
 */
export class ReplicationRepairs {
  constructor(private readonly replication: ReplicationDeps, private readonly now: () => Date = () => new Date()) {}

  static targetOf(vaultKey: string, item: ResourceDocument<ProtectedItemProperties>): RepairTarget {
    const d = item.properties.providerSpecificDetails;
    return {
      vault: vaultSegmentOf(vaultKey),
      item: item.name,
      diskIds: d.disks.map((x) => x.diskId),
      seededBefore: (d.protectedDisks ?? []).filter((x) => x.isInitialReplicationComplete || x.replicationEpoch > 1).map((x) => x.diskId),
    };
  }

  async start(vaultKey: string, item: ResourceDocument<ProtectedItemProperties>, requestedBy: string): Promise<RepairRequest> {
    const p = item.properties;
    if (isFailoverState(p.protectionState)) {
      throw new ServiceError('FailedOver', `'${item.name}' is ${p.protectionState}: its replication from the source has stopped, there is nothing to repair`);
    }
    const scenario = (p as unknown as { currentScenario?: { scenarioName?: string }; currentScenarioStatus?: string });
    const current = scenario.currentScenario;
    if (current && scenario.currentScenarioStatus === 'InProgress') {
      throw new ServiceError('Conflict', `'${item.name}' is running ${current.scenarioName ?? 'an operation'}; repair its replication after that job ends`);
    }
    if (p.providerSpecificDetails.disks.length === 0) throw new ServiceError('NoProtectedDisks', `'${item.name}' has no disks`);
    return startReplicationRepair(this.replication, ReplicationRepairs.targetOf(vaultKey, item), `requested by ${requestedBy}`, this.now());
  }

  /**
   * Succeeded only once the item's record shows it too: the replicas' seed completes before the
   * merge writes the item's disk statuses, and a poll that ends must answer the item Protected.
   */
  async progress(vaultKey: string, item: ResourceDocument<ProtectedItemProperties>, epoch: number): Promise<RepairProgress> {
    const replicas = await repairProgress(this.replication, ReplicationRepairs.targetOf(vaultKey, item), epoch);
    if (replicas !== 'Succeeded') return replicas;
    const recorded = item.properties.providerSpecificDetails.protectedDisks ?? [];
    const shown = item.properties.providerSpecificDetails.disks.every(({ diskId }) => recorded.some((d) => d.diskId === diskId
      && (d.replicationEpoch > epoch || (d.replicationEpoch === epoch && d.isInitialReplicationComplete))));
    return shown ? 'Succeeded' : 'InProgress';
  }
}
