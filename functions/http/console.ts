import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { consoleResponse } from '../../shared/console';

/** GET /console and its assets: the operator's web console, served by the app itself (no CDN). */
export async function consoleHandler(request: HttpRequest): Promise<HttpResponseInit> {
  const out = await consoleResponse(request.params.asset);
  return { status: out.status, headers: out.headers, body: out.body };
}

app.http('console', { methods: ['GET'], authLevel: 'anonymous', route: 'console', handler: consoleHandler });
app.http('consoleAssets', { methods: ['GET'], authLevel: 'anonymous', route: 'console/{asset}', handler: consoleHandler });
