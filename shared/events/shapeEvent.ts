import type { EventDocument } from '../metadata';

/** An event as the API answers it (ASR's `Event` resource). */
export function shapeEvent(doc: EventDocument, location: string): Record<string, unknown> {
  return {
    id: doc.armId,
    name: doc.name,
    type: 'Microsoft.RecoveryServices/vaults/replicationEvents',
    location,
    properties: { ...doc.properties, sequence: doc.sequence },
  };
}
