import { app, type PreInvocationContext } from '@azure/functions';
import { developmentJwksFromEnv } from '../shared/arm';
import { inSpan, startApplicationInsights, type TelemetryHandle } from '../shared/telemetry';

let telemetry: TelemetryHandle | undefined;

/**
 * As the app starts: Application Insights (only when APPLICATIONINSIGHTS_CONNECTION_STRING is
 * set), then, in local mode, the development issuer's key pair, so `asr` can sign a token before
 * the first API call (in Entra mode that does nothing).
 */
app.hook.appStart(async () => {
  try {
    telemetry = startApplicationInsights();
  } catch (err) {
    console.warn(`Application Insights not started: ${(err as Error).message}`);
  }
  try {
    await developmentJwksFromEnv();
  } catch (err) {
    console.warn(`development issuer not ready: ${(err as Error).message}`);
  }
});

/** Batched telemetry goes out before the process ends. */
app.hook.appTerminate(async () => {
  await telemetry?.shutdown().catch(() => undefined);
});

/** The span of one invocation, inside the trace the host handed it. Orchestrators replay: none for them. */
function invocationSpan(ctx: PreInvocationContext): void {
  const trigger = ctx.invocationContext.options.trigger.type;
  if (!telemetry || trigger === 'orchestrationTrigger' || trigger === 'entityTrigger') return;
  const name = ctx.invocationContext.functionName;
  const callback = ctx.functionHandler;
  const base = { 'faas.name': name, 'faas.invocation_id': ctx.invocationContext.invocationId, 'faas.trigger': trigger };
  if (trigger === 'httpTrigger') {
    ctx.functionHandler = (request, context) => {
      const req = request as { method: string; url: string };
      const path = new URL(req.url).pathname;
      return inSpan(`${req.method} ${path}`, { ...base, 'http.request.method': req.method, 'url.full': req.url, 'url.path': path },
        async () => callback(request, context), { kind: 'server', resultAttributes: (r) => ({ 'http.response.status_code': statusOf(r) }) });
    };
    return;
  }
  // A job step: every step of a job is one operation, whose id is the job's name (a GUID).
  const jobId = trigger === 'activityTrigger' ? jobIdOf(ctx.inputs[0]) : undefined;
  ctx.functionHandler = (input, context) => inSpan(name, { ...base, ...(typeof jobId === 'string' ? { 'asr.job.id': jobId } : {}) },
    async () => callback(input, context), { kind: 'consumer', ...(typeof jobId === 'string' ? { operationId: jobId } : {}) });
}

/** The job an activity works for: every recovery activity's input names it (`jobId`). */
function jobIdOf(input: unknown): unknown {
  return (input as { jobId?: unknown } | undefined)?.jobId;
}

function statusOf(result: unknown): number {
  const status = (result as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? status : 200;
}

app.hook.preInvocation(invocationSpan);
