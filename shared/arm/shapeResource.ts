import type { ResourceDocument, VaultDocument } from '../metadata';
import type { ResourceDefinition } from './ResourceDefinition';

/** ARM JSON of a vault resource: `{id, name, type, location, properties}`. */
export function shapeResource(doc: ResourceDocument<any>, def: ResourceDefinition<any>, location: string): Record<string, unknown> {
  return { id: doc.armId, name: doc.name, type: def.type, location, properties: def.present ? def.present(doc.properties) : doc.properties };
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
