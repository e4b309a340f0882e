import { ServiceError } from '../../errors';
import type { ArmContext } from '../ArmContext';
import type { ArmResponse } from '../ArmRequest';
import { parseOperationToken } from '../operationResults';
import { RESOURCE_DEFINITIONS } from '../resources';
import { presentScopeOf, shapeResource } from '../shapeResource';

/**
 * GET of a `Location` handed out with a 202: 200 with the resource for a finished PUT, 204 for
 * a finished DELETE (the clients' pollers stop on any 2xx other than 202).
 */
export async function operationResultHandler(ctx: ArmContext, operationId: string): Promise<ArmResponse> {
  const token = parseOperationToken(operationId);
  const vault = await ctx.requireVault();
  if (token.op === 'delete') return { status: 204, headers: {} };
  const doc = await ctx.store.getResource(ctx.vaultKey!, token.doc);
  const def = doc && RESOURCE_DEFINITIONS.find((d) => d.kind === doc.kind);
  if (!doc || !def) throw new ServiceError('NotFound', 'the resource this operation created has since been deleted');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (doc._etag) headers.etag = doc._etag;
  return { status: 200, headers, body: await shapeResource(doc, def, vault.location, presentScopeOf(ctx)) };
}
