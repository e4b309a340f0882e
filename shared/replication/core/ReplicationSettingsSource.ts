import { DiskRef } from '../../contracts/DiskRef';
import { ReplicationPolicy } from './ReplicationPolicy';

/** What the engine must know about a disk's protected item before merging its logs. */
export interface ReplicationSettings {
  policy: ReplicationPolicy;
  /**
   * Hex fingerprint of the key logs must be encrypted with; `null` = logs must be plain;
   * `undefined` = not checked.
   */
  keyFingerprint?: string | null;
  /**
   * Set when the item no longer replicates forward (its failover was committed): the merge
   * applies nothing and leaves its logs pending (`held`), saying this.
   */
  replicationStopped?: string;
  /**
   * The id issued when the item's protection was enabled; every log must carry it (blob
   * metadata `protectionid`), else it is quarantined as another protection's. `undefined` =
   * not checked (items enabled before ids existed, tools, tests).
   */
  protectionId?: string;
}

/** Looks up a disk's settings (from the protected item and its policy in the product). */
export interface ReplicationSettingsSource {
  settingsFor(disk: DiskRef): Promise<ReplicationSettings>;
}

/** The same settings for every disk: for a single-tenant deployment, tools and tests. */
export function fixedReplicationSettings(settings: ReplicationSettings): ReplicationSettingsSource {
  return { settingsFor: async () => settings };
}
