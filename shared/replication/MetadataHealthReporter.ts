import { ServiceError } from '../errors';
import type { MetadataStore, ProtectedItemProperties, ResourceDocument } from '../metadata';
import { DiskRef } from './DiskRef';
import { ReplicaLocator } from './ReplicaLocator';
import { ReplicationHealthCode, ReplicationHealthIssue, ReplicationHealthReporter } from './ReplicationHealthReporter';

/** One entry of the item's `healthErrors`, in ASR's `HealthError` shape. */
interface HealthErrorEntry {
  errorCode: string;
  errorMessage: string;
  recommendedAction: string;
  errorLevel: 'Warning' | 'Error';
  creationTimeUtc: string;
  entityId: string;
  errorSource: 'Replication';
}

const RETRIES = 5;

/**
 * Reports replication health on the protected item document: one `healthErrors` entry per
 * (disk, code), and `replicationHealth` = the worst open entry (Critical for errors, Warning,
 * else Normal). Read-modify-write with If-Match, retried on a concurrent change.
 */
export class MetadataHealthReporter implements ReplicationHealthReporter {
  constructor(private readonly store: MetadataStore, private readonly locate: ReplicaLocator) {}

  raise(disk: DiskRef, issue: ReplicationHealthIssue): Promise<void> {
    return this.mutate(disk, (errors) => {
      const rest = errors.filter((e) => !(e.entityId === disk.disk && e.errorCode === issue.code));
      return [...rest, {
        errorCode: issue.code,
        errorMessage: issue.message,
        recommendedAction: issue.recommendedAction,
        errorLevel: issue.severity === 'Critical' ? 'Error' : 'Warning',
        creationTimeUtc: new Date().toISOString(),
        entityId: disk.disk,
        errorSource: 'Replication',
      }];
    });
  }

  clear(disk: DiskRef, codes: ReplicationHealthCode[]): Promise<void> {
    return this.mutate(disk, (errors) => errors.filter((e) => !(e.entityId === disk.disk && (codes as string[]).includes(e.errorCode))));
  }

  private async mutate(disk: DiskRef, change: (errors: HealthErrorEntry[]) => HealthErrorEntry[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const found = await this.locate(disk);
      if (!found) return; // not protected (any more): nobody to tell
      const item: ResourceDocument<ProtectedItemProperties> = found.item;
      const before = (item.properties.healthErrors ?? []) as HealthErrorEntry[];
      const after = change(before);
      if (JSON.stringify(after) === JSON.stringify(before)) return;
      const health = after.some((e) => e.errorLevel === 'Error') ? 'Critical' : after.length > 0 ? 'Warning' : 'Normal';
      const doc = { ...item, properties: { ...item.properties, healthErrors: after, replicationHealth: health }, updatedAt: new Date().toISOString() };
      try {
        await this.store.replaceResource(doc, { ifMatch: item._etag });
        return;
      } catch (err) {
        if (!(err instanceof ServiceError && err.code === 'PreconditionFailed') || attempt >= RETRIES) throw err;
      }
    }
  }
}
