import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { OrchestrationControl } from '../../shared/recovery/service/OrchestrationControl';

/** Adapts the Durable client of this invocation (a `df.input.durableClient()` input) to what `shared/` needs. */
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
