import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { serveArmRequest } from './serveArmRequest';

/**
 * Every path under `Microsoft.RecoveryServices` goes to `shared/arm`, which holds the route
 * table (about 40 ASR routes, with ASR's case-insensitive literals). One catch-all keeps a
 * single router, a single auth check and a single error catalogue instead of forty
 * registrations that would each repeat them; the Recovery issue adds its routes to that table.
 */
export async function armApiHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return serveArmRequest(request, context);
}

app.http('armApi', {
  methods: ['GET', 'PUT', 'PATCH', 'DELETE', 'POST'],
  authLevel: 'anonymous',
  route: 'subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.RecoveryServices/{*rest}',
  handler: armApiHandler,
});
