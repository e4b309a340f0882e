import { ensureMetadataStore, metadataStoreConfigFromEnv } from '../metadata';
import { EventOutbox } from './EventOutbox';

let outbox: Promise<EventOutbox> | undefined;

/** The outbox publisher over the app's metadata store (COSMOS_*), built once per process; a failed start is forgotten. */
export function eventOutboxFromEnv(env: NodeJS.ProcessEnv = process.env, log?: (message: string, err?: unknown) => void): Promise<EventOutbox> {
  outbox ??= ensureMetadataStore(metadataStoreConfigFromEnv(env)).then((store) => new EventOutbox(store, log));
  outbox.catch(() => { outbox = undefined; });
  return outbox;
}
