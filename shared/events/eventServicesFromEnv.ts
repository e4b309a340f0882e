import { ensureMetadataStore, metadataStoreConfigFromEnv } from '../metadata';
import { EventDispatcher } from './EventDispatcher';
import { EventOutbox } from './EventOutbox';
import { serviceBusConnectionFromEnv, ServiceBusEventSender } from './ServiceBusEventSender';

/** The outbox publisher and the dispatcher over one metadata store. */
export interface EventServices {
  outbox: EventOutbox;
  dispatcher: EventDispatcher;
}

let services: Promise<EventServices> | undefined;

/**
 * Built once per process from COSMOS_*, with the Service Bus topic as a target when
 * ASR_SERVICEBUS_CONNECTION (or its __fullyQualifiedNamespace form) is set; a failed start is
 * forgotten so the next call tries again.
 */
export function eventServicesFromEnv(env: NodeJS.ProcessEnv = process.env, log?: (message: string, err?: unknown) => void): Promise<EventServices> {
  services ??= ensureMetadataStore(metadataStoreConfigFromEnv(env)).then((store) => {
    const sb = serviceBusConnectionFromEnv(env);
    return {
      outbox: new EventOutbox(store, log),
      dispatcher: new EventDispatcher(store, undefined, log, sb ? new ServiceBusEventSender(sb) : undefined),
    };
  });
  services.catch(() => { services = undefined; });
  return services;
}
