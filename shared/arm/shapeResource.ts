import type { ResourceDocument, VaultDocument } from '../metadata';

/** ARM JSON of a vault resource: `{id, name, type, location, properties}`. */
export function shapeResource(doc: ResourceDocument, type: string, location: string): Record<string, unknown> {
  return { id: doc.armId, name: doc.name, type, location, properties: doc.properties };
}

/** ARM JSON of a vault (`Microsoft.RecoveryServices/vaults`). */
export function shapeVault(doc: VaultDocument): Record<string, unknown> {
  return {
    id: doc.armId,
    name: doc.name,
    type: 'Microsoft.RecoveryServices/vaults',
    location: doc.location,
    tags: doc.tags ?? {},
    sku: { name: 'Standard' },
    etag: doc._etag,
    properties: { ...doc.properties, provisioningState: 'Succeeded' },
  };
}
