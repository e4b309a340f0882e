import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { toArmErrorResponse, type ArmResponse } from '../../shared/arm';
import { recoveryApiFromEnv } from '../../shared/arm/recovery/recoveryApiFromEnv';
import type { OrchestrationControl } from '../../shared/recovery/OrchestrationControl';

/** Adapts the Durable client of this invocation to what the API needs. */
export function durableControl(context: InvocationContext): OrchestrationControl {
  const client = df.getClient(context);
  return {
    async start(name, instanceId, input) {
      await client.startNew(name, { instanceId, input });
    },
    async raiseEvent(instanceId, eventName, data) {
      const status = await client.getStatus(instanceId).catch(() => undefined);
      if (!status || ['Completed', 'Failed', 'Terminated', 'Canceled'].includes(String(status.runtimeStatus))) return false;
      await client.raiseEvent(instanceId, eventName, data);
      return true;
    },
  };
}

function toHttpResponse(out: ArmResponse): HttpResponseInit {
  return out.body === undefined
    ? { status: out.status, headers: out.headers }
    : { status: out.status, headers: { ...out.headers, 'content-type': 'application/json' }, body: JSON.stringify(out.body) };
}

/**
 * The Recovery routes (plan and item operations, operation results, jobs) through `ArmApi`,
 * with this invocation's Durable client. Registered on routes more specific than the catch-all
 * `armApi`, so the host sends these paths here.
 */
export async function recoveryHttpHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, key) => { headers[key.toLowerCase()] = value; });
  try {
    const api = await recoveryApiFromEnv(durableControl(context));
    const bodyText = request.method === 'GET' || request.method === 'DELETE' ? undefined : await request.text();
    return toHttpResponse(await api.handle({ method: request.method, url: request.url, headers, bodyText: bodyText || undefined }));
  } catch (err) {
    context.error('the recovery API could not start', err);
    return toHttpResponse(toArmErrorResponse(err));
  }
}
