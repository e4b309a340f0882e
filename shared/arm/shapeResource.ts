import type { ResourceDocument, VaultDocument } from '../metadata';
import type { ArmContext } from './ArmContext';
import type { PresentContext, ResourceDefinition } from './ResourceDefinition';

/** What one answer presents its resources with (one clock reading and one memo for all of them). */
export type PresentScope = Omit<PresentContext, 'name'>;

export function presentScopeOf(ctx: ArmContext): PresentScope {
  return { now: ctx.now(), store: ctx.store, vaultKey: ctx.vaultKey!, memo: new Map() };
}

/** ARM JSON of a vault resource: `{id, name, type, location, properties}`. */
export async function shapeResource(doc: ResourceDocument<any>, def: ResourceDefinition<any>, location: string, scope: PresentScope): Promise<Record<string, unknown>> {
  const properties = def.present ? await def.present(doc.properties, { ...scope, name: doc.name }) : doc.properties;
  return { id: doc.armId, name: doc.name, type: def.type, location, properties };
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
