import { app, type HttpResponseInit } from '@azure/functions';
import { checkHealth } from '../../shared/health/HealthReport';
import { appHealthProbes } from '../../shared/health/appHealthProbes';

/** GET /health: 200 when every component answers, 503 naming the one that does not. */
export async function healthHandler(): Promise<HttpResponseInit> {
  const report = await checkHealth(appHealthProbes());
  return { status: report.status === 'Healthy' ? 200 : 503, jsonBody: report, headers: { 'cache-control': 'no-store' } };
}

app.http('health', { methods: ['GET'], authLevel: 'anonymous', route: 'health', handler: healthHandler });
