import type { EventDocument, OutboxFields } from '../metadata';
import { eventNameOf, vaultArmIdOf } from './eventIdentity';
import type { ReplicationEventDraft } from './ReplicationEventDraft';

/** Which container the raising document lives in: part of the event's identity. */
export type OutboxSource = 'resources' | 'jobs';

interface OutboxOwner extends OutboxFields {
  id: string;
  vaultKey: string;
  armId: string;
}

/**
 * The document with `drafts` appended to its outbox, each numbered and named. The caller writes
 * the result with the same conditional write as the state change that raised them: the events
 * exist exactly when the change does.
 */
export function appendToOutbox<D extends OutboxOwner>(doc: D, source: OutboxSource, drafts: readonly ReplicationEventDraft[]): D {
  if (drafts.length === 0) return doc;
  let sequence = doc.eventSequence ?? 0;
  const vaultArmId = vaultArmIdOf(doc.armId);
  const added = drafts.map((d): EventDocument => {
    sequence++;
    const name = eventNameOf(doc.vaultKey, source, doc.id, sequence);
    const fabricName = d.fabricId ? d.fabricId.split('/').pop()! : '';
    return {
      id: name, vaultKey: doc.vaultKey, name, armId: `${vaultArmId}/replicationEvents/${name}`, sequence,
      sortKey: `${d.timeOfOccurrence}#${String(sequence).padStart(10, '0')}`,
      properties: { ...d },
      delivery: { pending: true, deliveredTo: [], attempts: 0 },
      match: {
        eventCode: d.eventCode.toLowerCase(), eventType: d.eventType.toLowerCase(), severity: d.severity.toLowerCase(),
        affectedObjectFriendlyName: d.affectedObjectFriendlyName.toLowerCase(),
        affectedObjectCorrelationId: d.affectedObjectCorrelationId.toLowerCase(),
        fabricName: fabricName.toLowerCase(),
      },
    };
  });
  return { ...doc, outbox: [...(doc.outbox ?? []), ...added], eventSequence: sequence };
}
