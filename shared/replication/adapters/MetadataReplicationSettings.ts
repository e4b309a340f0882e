import { resourceDocumentId, vaultRelativeSegments, type MetadataStore, type PolicyProperties, type ProtectedItemProperties, type ResourceDocument } from '../../metadata';
import { DiskRef } from '../../contracts/DiskRef';
import { FORWARD_STOPPED_STATES } from '../../protection';
import { ReplicaLocator } from './ReplicaLocator';
import { ReplicationError } from '../core/ReplicationError';
import { ReplicationPolicySchema } from '../core/ReplicationPolicy';
import { ReplicationSettings, ReplicationSettingsSource } from '../core/ReplicationSettingsSource';

/**
 * Why an item takes no more logs from its source, if it does not: its failover was committed
 * (the workload runs in the recovery site), or it is failing back or failed back and not yet
 * reprotected (forward replication resumes with the reprotect's new epoch).
 */
export function replicationStoppedReason(item: Pick<ProtectedItemProperties, 'protectionState'>): string | undefined {
  if (item.protectionState === 'FailoverCommitted') return 'the failover of this item was committed: it runs in the recovery site and no longer replicates from the source';
  return (FORWARD_STOPPED_STATES as readonly string[]).includes(item.protectionState)
    ? `the item is ${item.protectionState}: it replicates from the source again once it is reprotected`
    : undefined;
}

/**
 * Settings from the metadata store: the protected item's policy (interval, retention,
 * app-consistent frequency) and, when the policy encrypts, the key fingerprint recorded on the
 * item at enable-protection time (logs must carry it; plain logs are refused).
 */
export class MetadataReplicationSettings implements ReplicationSettingsSource {
  private readonly policies = new Map<string, { at: number; policy: ResourceDocument<PolicyProperties> | undefined }>();

  /**
   * `policyReuseMs`: how long a policy read serves other merges (a fleet on one policy reads it
   * once per period, not once per log); a policy change then takes effect within that time. 0: read every time.
   */
  constructor(private readonly store: MetadataStore, private readonly locate: ReplicaLocator, private readonly policyReuseMs = 0, private readonly now: () => number = Date.now) {}

  private async policyOf(vaultKey: string, id: string): Promise<ResourceDocument<PolicyProperties> | undefined> {
    const key = `${vaultKey}#${id}`;
    const hit = this.policies.get(key);
    if (hit && this.now() - hit.at < this.policyReuseMs) return hit.policy;
    const policy = await this.store.getResource<PolicyProperties>(vaultKey, id);
    if (this.policyReuseMs > 0) this.policies.set(key, { at: this.now(), policy });
    return policy;
  }

  async settingsFor(disk: DiskRef): Promise<ReplicationSettings> {
    const where = await this.locate(disk);
    if (!where) {
      throw new ReplicationError('ReplicaNotFound', `no protected item named '${disk.item}' in vault '${disk.vault}'; logs of unprotected disks are not merged`);
    }
    const policyArmId = where.item.properties.policyId;
    const segments = vaultRelativeSegments(policyArmId);
    const policy = segments && (await this.policyOf(where.vaultKey, resourceDocumentId(segments)));
    if (!policy) throw new ReplicationError('ReplicaNotFound', `the policy ${policyArmId} of protected item '${disk.item}' does not exist`);
    const d = policy.properties.providerSpecificDetails;
    const parsed = ReplicationPolicySchema.parse({
      replicationInterval: d.replicationInterval,
      recoveryPointHistoryDurationInHours: d.recoveryPointHistoryDurationInHours,
      applicationConsistentSnapshotFrequencyInHours: d.applicationConsistentSnapshotFrequencyInHours,
    });
    const fingerprint = where.item.properties.providerSpecificDetails.encryptionKeyFingerprint;
    const stopped = replicationStoppedReason(where.item.properties);
    const protectionId = where.item.properties.providerSpecificDetails.protectionId;
    return {
      policy: parsed,
      keyFingerprint: d.encryption === 'Enabled' ? fingerprint : null,
      ...(stopped ? { replicationStopped: stopped } : {}),
      ...(protectionId ? { protectionId } : {}),
    };
  }
}
