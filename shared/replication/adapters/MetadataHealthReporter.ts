import { ServiceError } from '../../errors';
import type { MetadataStore, ProtectedItemProperties, ResourceDocument } from '../../metadata';
import { clearHealthErrors, DiskMergeProgress, raiseHealthError, recordMerged, recordResyncStarted } from '../../protection';
import { DiskRef } from '../../contracts/DiskRef';
import { appendToOutbox, EventOutbox, itemEventsOf } from '../../events';
import { ReplicaLocator } from './ReplicaLocator';
import { ReplicationHealthCode, ReplicationHealthIssue, ReplicationHealthReporter } from '../core/ReplicationHealthReporter';

const RETRIES = 8;

/**
 * Reports replication status on the protected item document through the protection state
 * machine (shared/protection): one `healthErrors` entry per (disk, code), per-disk merge
 * progress, and the derived state, health and RPO. Read-modify-write with If-Match, retried on a
 * concurrent change; a write that would change nothing is skipped. A change of health or a resync
 * starting or finishing raises its replication event in the same write (shared/events' outbox).
 */
export class MetadataHealthReporter implements ReplicationHealthReporter {
  private readonly outbox: EventOutbox;

  /**
   * `recentItem`: the item as read moments ago (the merge round's settings read), tried first by
   * `recordMerged` instead of reading it again; a 412 (it changed since) falls back to `locate`.
   */
  constructor(private readonly store: MetadataStore, private readonly locate: ReplicaLocator, private readonly now: () => Date = () => new Date(),
    private readonly recentItem?: ReplicaLocator) {
    this.outbox = new EventOutbox(store);
  }

  raise(disk: DiskRef, issue: ReplicationHealthIssue): Promise<void> {
    return this.mutate(disk, (p, at) => raiseHealthError(p, disk.disk, {
      code: issue.code, level: issue.severity === 'Critical' ? 'Error' : 'Warning', message: issue.message, recommendedAction: issue.recommendedAction,
    }, at));
  }

  clear(disk: DiskRef, codes: ReplicationHealthCode[]): Promise<void> {
    return this.mutate(disk, (p, at) => clearHealthErrors(p, disk.disk, codes, at), true);
  }

  recordMerged(disk: DiskRef, progress: Omit<DiskMergeProgress, 'diskId'>, clear: ReplicationHealthCode[]): Promise<void> {
    // Progress only moves forward, so a stale copy never hides a write that is due: it can be tried first.
    return this.mutate(disk, (p, at) => clearHealthErrors(recordMerged(p, { ...progress, diskId: disk.disk }, at), disk.disk, clear, at), false, this.recentItem);
  }

  recordResyncStarted(disk: DiskRef, epoch: bigint): Promise<void> {
    return this.mutate(disk, (p, at) => recordResyncStarted(p, disk.disk, Number(epoch), at));
  }

  /**
   * Applies `change` to the item's properties and writes them back with If-Match. `onlyIfErrorsChange`:
   * skip the write unless the health errors change (a clear with nothing to clear costs no write).
   */
  private async mutate(disk: DiskRef, change: (p: ProtectedItemProperties, at: Date) => ProtectedItemProperties, onlyIfErrorsChange = false, firstTry?: ReplicaLocator): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const reused = attempt === 0 && firstTry !== undefined;
      const found = await (reused ? firstTry : this.locate)(disk);
      if (!found) return; // not protected (any more): nobody to tell
      const item: ResourceDocument<ProtectedItemProperties> = found.item;
      const at = this.now();
      const after = change(item.properties, at);
      const unchanged = onlyIfErrorsChange
        ? JSON.stringify(after.healthErrors) === JSON.stringify(item.properties.healthErrors ?? [])
        : after === item.properties;
      if (unchanged) return;
      const changed = appendToOutbox({ ...item, properties: after, updatedAt: at.toISOString() }, 'resources', itemEventsOf(item, item.properties, after, at));
      try {
        const written = await this.store.replaceResource(changed, { ifMatch: item._etag });
        await this.outbox.publishAfterWrite('resources', written);
        return;
      } catch (err) {
        if (!(err instanceof ServiceError && err.code === 'PreconditionFailed') || attempt >= RETRIES) throw err;
        if (reused) continue;
        await new Promise((r) => setTimeout(r, Math.random() * 20 * (attempt + 1)));
      }
    }
  }
}
