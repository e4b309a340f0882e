import { ensureMetadataStore, metadataStoreConfigFromEnv } from '../metadata';
import { EventDispatcher } from './EventDispatcher';
import { EventOutbox } from './EventOutbox';

/** The outbox publisher and the dispatcher over one metadata store. */
export interface EventServices {
  outbox: EventOutbox;
  dispatcher: EventDispatcher;
}

let services: Promise<EventServices> | undefined;

/** Built once per process from COSMOS_*; a failed start is forgotten so the next call tries again. */
export function eventServicesFromEnv(env: NodeJS.ProcessEnv = process.env, log?: (message: string, err?: unknown) => void): Promise<EventServices> {
  services ??= ensureMetadataStore(metadataStoreConfigFromEnv(env)).then((store) => ({
    outbox: new EventOutbox(store, log),
    dispatcher: new EventDispatcher(store, undefined, log),
  }));
  services.catch(() => { services = undefined; });
  return services;
}
