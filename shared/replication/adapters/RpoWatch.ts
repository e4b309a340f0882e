import type { BlobServiceClient } from '@azure/storage-blob';
import { ServiceError } from '../../errors';
import type { MetadataStore, ProtectedItemProperties, ResourceDocument } from '../../metadata';
import { deriveProtectionStatus, policyIntervalOf, RPO_HEALTH_CODE } from '../../protection';
import { appendToOutbox, EventOutbox, rpoAlertLevelOf, rpoEventsOf } from '../../events';
import { REPLICA_CONTAINERS } from '../../contracts/ReplicaBlobLayout';
import { vaultKeyOfSegment } from '../../contracts/vaultSegment';
import { METRICS, recordMetric } from '../../telemetry';

/** What one evaluation did. */
export interface RpoWatchReport {
  /** Items whose RPO was judged. */
  items: number;
  /** Items whose level changed, with the event written (crossed or recovered). */
  changed: { item: string; from?: string; to?: string }[];
  /** Changes another writer got to first (the next evaluation judges them again). */
  lostRaces: number;
}

/**
 * Judges every replicating item's RPO against its policy's thresholds, as the API computes it
 * (shared/protection deriveProtectionStatus), records it as a metric, and, when the item crossed
 * a threshold or recovered since the last evaluation, stores the new level with its event in the
 * same write, conditional on the item's ETag: of two hosts evaluating at once one writes the
 * event, the other's write fails its precondition and raises nothing. The stored level makes the
 * events edge-triggered: an item above its threshold for an hour raises one event, not sixty.
 * Vaults are found from their replicas' top folder (`vhds/{vault}/`, one listing entry per vault,
 * not per disk: a listing by hierarchy), items from the metadata store; an item that never
 * replicated has no RPO (no merge progress on it) and is passed over without a write. Each
 * policy's interval is read once per evaluation, not once per item.
 */
export class RpoWatch {
  private readonly outbox: EventOutbox;

  constructor(private readonly store: MetadataStore, private readonly blobs: BlobServiceClient, private readonly now: () => Date = () => new Date()) {
    this.outbox = new EventOutbox(store);
  }

  async evaluate(): Promise<RpoWatchReport> {
    const report: RpoWatchReport = { items: 0, changed: [], lostRaces: 0 };
    const intervals = new Map<string, Promise<number | undefined>>();
    const intervalOf = (vaultKey: string, policyId: string) => {
      const key = `${vaultKey}#${policyId.toLowerCase()}`;
      if (!intervals.has(key)) intervals.set(key, policyIntervalOf(this.store, vaultKey, policyId));
      return intervals.get(key)!;
    };
    for (const vaultKey of await this.vaultsWithReplicas()) {
      let token: string | undefined;
      do {
        const page = await this.store.listResources(vaultKey, { kind: 'protectedItem', continuationToken: token });
        for (const doc of page.items as unknown as ResourceDocument<ProtectedItemProperties>[]) {
          if (await this.judge(vaultKey, doc, report, intervalOf)) report.items++;
        }
        token = page.continuationToken;
      } while (token);
    }
    return report;
  }

  /** Judges one item; false when it has no RPO to judge (never replicated, or failed over) and nothing to clear. */
  private async judge(
    vaultKey: string, item: ResourceDocument<ProtectedItemProperties>, report: RpoWatchReport,
    intervalOf: (vaultKey: string, policyId: string) => Promise<number | undefined>,
  ): Promise<boolean> {
    const at = this.now();
    const status = deriveProtectionStatus(item.properties, {
      now: at, itemName: item.name, intervalSeconds: await intervalOf(vaultKey, item.properties.policyId),
    });
    if (status.rpoInSeconds === undefined && item.rpoAlertLevel === undefined) return false;
    if (status.rpoInSeconds !== undefined) {
      recordMetric(METRICS.rpo, status.rpoInSeconds, { 'asr.vault': vaultKey, 'asr.item': item.name });
    }
    const error = status.healthErrors.find((e) => e.errorCode === RPO_HEALTH_CODE);
    const level = rpoAlertLevelOf(error);
    if (level === item.rpoAlertLevel) return true;
    const drafts = rpoEventsOf(item, item.rpoAlertLevel, level, { rpoInSeconds: status.rpoInSeconds, lastReplicatedTime: status.lastReplicatedTime, error }, at);
    const { rpoAlertLevel: _previous, ...rest } = item;
    const changed = appendToOutbox({ ...rest, ...(level ? { rpoAlertLevel: level } : {}) }, 'resources', drafts);
    try {
      const written = await this.store.replaceResource(changed, { ifMatch: item._etag });
      report.changed.push({ item: item.name, from: item.rpoAlertLevel, to: level });
      await this.outbox.publishAfterWrite('resources', written);
    } catch (err) {
      if (!(err instanceof ServiceError && (err.code === 'PreconditionFailed' || err.code === 'NotFound'))) throw err;
      report.lostRaces++;
    }
    return true;
  }

  /** Keys of the vaults that have replicas: the top folders of `vhds`, listed by hierarchy (one entry per vault). */
  private async vaultsWithReplicas(): Promise<string[]> {
    const out: string[] = [];
    for await (const entry of this.blobs.getContainerClient(REPLICA_CONTAINERS.replicas).listBlobsByHierarchy('/')) {
      if (entry.kind !== 'prefix') continue;
      const vault = entry.name.replace(/\/$/, '');
      if (vault) out.push(vaultKeyOfSegment(vault));
    }
    return out;
  }
}
