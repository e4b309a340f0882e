import type { AgentApi } from './AgentApi';
import { agentStorageFromEnv } from './agentStorageFromEnv';
import type { ReplicaChannel } from './ReplicaChannel';
import { channelOfSite, ensureSiteIdentity } from './siteRegistration';
import { loadSiteIdentity } from './SiteIdentity';
import { storageChannel } from './storageChannel';

export interface AgentChannelOptions {
  stateDir: string;
  vault: string;
  /** `protect` registers the site if it is not yet (with this key file, or the operator's token). */
  register?: boolean;
  registrationKeyFile?: string;
}

/**
 * The agent's way to the replica: `ASR_STORAGE_CONNECTION_STRING` set = straight to storage (the
 * old way, kept for tests and for items protected before sites existed); otherwise the site's
 * own identity (registered by `protect`, or by `asr agent register`): upload URLs through the
 * API, no storage credential. `sync`/`run` of an item protected the old way on a local endpoint,
 * with no site identity, still reach the local emulators' storage.
 */
export async function agentChannelFromEnv(api: AgentApi, options: AgentChannelOptions, env: NodeJS.ProcessEnv = process.env): Promise<ReplicaChannel> {
  if (env.ASR_STORAGE_CONNECTION_STRING) return storageChannel(agentStorageFromEnv(api.config.endpoint, env));
  const identity = options.register
    ? await ensureSiteIdentity(api, { stateDir: options.stateDir, vault: options.vault, registrationKeyFile: options.registrationKeyFile })
    : await loadSiteIdentity(options.stateDir, options.vault);
  if (identity) return channelOfSite(identity, options.stateDir);
  return storageChannel(agentStorageFromEnv(api.config.endpoint, env));
}
