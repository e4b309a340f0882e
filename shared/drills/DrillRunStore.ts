import { ServiceError } from '../errors';
import { appendToOutbox } from '../events';
import type { MetadataStore, ResourceDocument } from '../metadata';
import { drillEventOf } from './drillEvents';
import type { DrillRunProperties } from './DrillRunRecord';
import type { DrillScheduleProperties } from './DrillSchedule';

export type DrillScheduleDocument = ResourceDocument<DrillScheduleProperties>;
export type DrillRunDocument = ResourceDocument<DrillRunProperties>;

/** The run document's id under its schedule's. */
export function drillRunDocumentId(scheduleDocId: string, runName: string): string {
  return `${scheduleDocId}|drillruns|${runName.toLowerCase()}`;
}

/**
 * Drill runs in the `resources` container, one document per run under its schedule. Creating
 * one is a conditional create: of two hosts that claim the same due time, one gets the
 * document and runs the drill, the other gets `Conflict` and leaves it. Later changes are
 * read-modify-writes with If-Match; the finishing write carries the run's event in its outbox.
 */
export class DrillRunStore {
  constructor(private readonly store: MetadataStore) {}

  /** Creates the run; undefined when a run of that name exists (claimed by someone else). */
  async claim(schedule: DrillScheduleDocument, runName: string, properties: DrillRunProperties, at: string, finished = false): Promise<DrillRunDocument | undefined> {
    let doc: DrillRunDocument = {
      id: drillRunDocumentId(schedule.id, runName), vaultKey: schedule.vaultKey, kind: 'drillRun', name: runName,
      armId: `${schedule.armId}/drillRuns/${runName}`, parentId: schedule.armId.toLowerCase(),
      // No refs: a schedule (or plan) with history may still be deleted; its runs stay as evidence.
      refs: [], properties, createdAt: at, updatedAt: at,
    };
    if (finished) doc = appendToOutbox(doc, 'resources', [drillEventOf(doc, properties, schedule.properties.notify.targets, at)]);
    try {
      return await this.store.createResource(doc);
    } catch (err) {
      if (err instanceof ServiceError && err.code === 'Conflict') return undefined;
      throw err;
    }
  }

  async get(vaultKey: string, id: string): Promise<DrillRunDocument> {
    const doc = await this.store.getResource<DrillRunProperties>(vaultKey, id);
    if (!doc || doc.kind !== 'drillRun') throw new ServiceError('NotFound', `drill run ${id} does not exist`);
    return doc;
  }

  /** Applies `change` with If-Match (retried on a lost race); `finish` also raises the run's event in the same write. */
  async update(vaultKey: string, id: string, change: (p: DrillRunProperties) => DrillRunProperties, finish?: { notifyTargets: string[]; at: string }): Promise<DrillRunDocument> {
    for (let attempt = 1; ; attempt++) {
      const doc = await this.get(vaultKey, id);
      // A finished run stays as it ended (an activity run twice must not raise its event twice).
      if (doc.properties.phase === 'Done') return doc;
      const properties = change(doc.properties);
      let next: DrillRunDocument = { ...doc, properties, updatedAt: new Date().toISOString() };
      if (finish) next = appendToOutbox(next, 'resources', [drillEventOf(next, properties, finish.notifyTargets, finish.at)]);
      try {
        return await this.store.replaceResource(next, { ifMatch: doc._etag });
      } catch (err) {
        if (!(err instanceof ServiceError && err.code === 'PreconditionFailed') || attempt >= 10) throw err;
      }
    }
  }

  /** The newest timer run of a schedule (names sort by due time; manual runs' `m-` prefix sorts below `t-`). */
  async newestTimerRun(schedule: DrillScheduleDocument): Promise<DrillRunDocument | undefined> {
    const page = await this.store.listResources(schedule.vaultKey, { kind: 'drillRun', parentId: schedule.armId.toLowerCase(), descending: true, maxItemCount: 1 });
    const newest = page.items[0] as unknown as DrillRunDocument | undefined;
    return newest?.properties.trigger === 'Timer' ? newest : undefined;
  }

  /** Every run of a schedule, oldest due time first. */
  async list(schedule: DrillScheduleDocument): Promise<DrillRunDocument[]> {
    const out: DrillRunDocument[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.store.listResources(schedule.vaultKey, { kind: 'drillRun', parentId: schedule.armId.toLowerCase(), continuationToken, maxItemCount: 200 });
      out.push(...(page.items as unknown as DrillRunDocument[]));
      continuationToken = page.continuationToken;
    } while (continuationToken);
    return out.sort((a, b) => a.properties.dueTime.localeCompare(b.properties.dueTime));
  }
}
