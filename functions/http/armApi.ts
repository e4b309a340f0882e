import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { armApiFromEnv, toArmErrorResponse, type ArmResponse } from '../../shared/arm';

/** Turns the API's plain answer into the Functions response. */
function toHttpResponse(out: ArmResponse): HttpResponseInit {
  return out.body === undefined
    ? { status: out.status, headers: out.headers }
    : { status: out.status, headers: { ...out.headers, 'content-type': 'application/json' }, body: JSON.stringify(out.body) };
}

/**
 * Every path under `Microsoft.RecoveryServices` goes to `shared/arm`, which holds the route
 * table (about 40 ASR routes, with ASR's case-insensitive literals). One catch-all keeps a
 * single router, a single auth check and a single error catalogue instead of forty
 * registrations that would each repeat them; the Recovery issue adds its routes to that table.
 */
export async function armApiHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, key) => { headers[key.toLowerCase()] = value; });
  try {
    const api = await armApiFromEnv();
    const bodyText = request.method === 'GET' || request.method === 'DELETE' ? undefined : await request.text();
    return toHttpResponse(await api.handle({ method: request.method, url: request.url, headers, bodyText: bodyText || undefined }));
  } catch (err) {
    context.error('the API could not start (metadata store or token verifier)', err);
    return toHttpResponse(toArmErrorResponse(err));
  }
}

app.http('armApi', {
  methods: ['GET', 'PUT', 'PATCH', 'DELETE', 'POST'],
  authLevel: 'anonymous',
  route: 'subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.RecoveryServices/{*rest}',
  handler: armApiHandler,
});
