import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { recoveryApiFromEnv } from '../../shared/arm/recovery/recoveryApiFromEnv';
import type { OrchestrationControl } from '../../shared/recovery/service/OrchestrationControl';
import { serveArmRequest } from './serveArmRequest';

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

/**
 * The Recovery routes (plan and item operations, operation results, jobs) through `ArmApi`,
 * with this invocation's Durable client. Registered on routes more specific than the catch-all
 * `armApi`, so the host sends these paths here.
 */
export async function recoveryHttpHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return serveArmRequest(request, context, () => recoveryApiFromEnv(durableControl(context)));
}
