import { ensureMetadataStore, metadataStoreConfigFromEnv } from '../metadata';
import { RpoWatch } from './adapters/RpoWatch';
import { replicationDepsFromEnv } from './replicationDepsFromEnv';

let cached: Promise<RpoWatch> | undefined;

/** The RPO evaluation of this process, over the replica storage and metadata store of the environment (see replicationDepsFromEnv). */
export function rpoWatchFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<RpoWatch> {
  cached ??= (async () => {
    const [deps, store] = await Promise.all([replicationDepsFromEnv(env), ensureMetadataStore(metadataStoreConfigFromEnv(env))]);
    return new RpoWatch(store, deps.blobs);
  })();
  cached.catch(() => { cached = undefined; });
  return cached;
}
