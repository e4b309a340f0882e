import { ServiceError } from '../errors';
import type { JobDocument, MetadataStore, OutboxFields, ResourceDocument } from '../metadata';
import type { OutboxSource } from './appendToOutbox';

/** How many documents with pending events one flush of a vault handles. */
const FLUSH_BATCH = 50;

// Any document shape: only the envelope (id, _etag, outbox) is touched.
type OutboxDocument = (ResourceDocument<any> | JobDocument<object>) & OutboxFields;

/**
 * Moves events from the outboxes of the documents that raised them into the `events` container.
 * Each event was written with its state change (the outbox); this copies it (an upsert by its
 * stable id, so copying twice is harmless) and then takes it out of the outbox with If-Match.
 * Losing that race, or crashing before it, only leaves the event to be copied again by the next
 * flush: the request that lists events, the outbox sweep, or the next write of the document.
 */
export class EventOutbox {
  constructor(private readonly store: MetadataStore, private readonly log: (message: string, err?: unknown) => void = () => undefined) {}

  /** After a write: publishes the written document's outbox. Never throws: the state change is done, the events are safe in it. */
  async publishAfterWrite(source: OutboxSource, written: OutboxDocument): Promise<void> {
    if (!written.outbox?.length) return;
    try {
      await this.publish(source, written);
    } catch (err) {
      this.log(`events of '${written.id}' stay in its outbox until the next flush`, err);
    }
  }

  /** Publishes every pending outbox of the vault (before its events are listed, and by the sweep). */
  async flushVault(vaultKey: string): Promise<number> {
    const pending = await this.store.listPendingOutboxes(vaultKey, FLUSH_BATCH);
    let published = 0;
    for (const doc of pending.resources) published += await this.publish('resources', doc);
    for (const doc of pending.jobs) published += await this.publish('jobs', doc);
    return published;
  }

  /** Flushes every vault with pending outboxes (the sweep: a host that crashed after a write left them). */
  async flushAll(): Promise<number> {
    let published = 0;
    for (const vaultKey of await this.store.listVaultsWithPendingOutboxes(FLUSH_BATCH)) published += await this.flushVault(vaultKey);
    return published;
  }

  private async publish(source: OutboxSource, doc: OutboxDocument): Promise<number> {
    const events = doc.outbox ?? [];
    // In order: a receiver reading the container sees an object's events in sequence.
    for (const event of events) await this.store.putEvent(event);
    const done = new Set(events.map((e) => e.id));
    const cleared = { ...doc, outbox: (doc.outbox ?? []).filter((e) => !done.has(e.id)) };
    try {
      if (source === 'jobs') await this.store.replaceJob(cleared as JobDocument, { ifMatch: doc._etag });
      else await this.store.replaceResource(cleared as ResourceDocument, { ifMatch: doc._etag });
    } catch (err) {
      // Someone wrote the document since: its outbox still holds these events and the next flush
      // copies them again (same ids). Gone: its events are already copied.
      if (!(err instanceof ServiceError && (err.code === 'PreconditionFailed' || err.code === 'NotFound'))) throw err;
    }
    return events.length;
  }
}
