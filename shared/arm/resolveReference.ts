import { ServiceError } from '../errors';
import type { ResourceDocument, ResourceKind } from '../metadata';
import type { BuildContext } from './ResourceDefinition';
import { documentIdOf, relativeSegmentsOf } from './resourceIds';

/**
 * Reads the resource an id in a request body points at. `InvalidReference` naming the field
 * when the id is not in this vault, is of the wrong kind, or does not exist.
 */
export async function resolveReference<P>(ctx: BuildContext, armId: string, kind: ResourceKind, field: string): Promise<ResourceDocument<P>> {
  const segments = relativeSegmentsOf(armId, ctx.vaultArmId);
  const doc = segments && segments.length % 2 === 0
    ? await ctx.store.getResource<P>(ctx.vaultKey, documentIdOf(segments))
    : undefined;
  if (!doc || doc.kind !== kind) {
    throw new ServiceError('InvalidReference',
      `${field}: '${armId}' is not a ${kind} of this vault; create it first or fix the id`, { details: { target: field } });
  }
  return doc;
}
