import { hostname } from 'node:os';
import { ServiceError } from '../errors';
import type { AgentApi } from './AgentApi';
import { AgentStateStore } from './AgentStateStore';
import type { ReplicaChannel } from './ReplicaChannel';
import { SiteApiClient } from './SiteApiClient';
import { siteChannel, type SiteChannelOptions } from './siteChannel';
import { loadSiteIdentity, readRegistrationKeyFile, saveSiteIdentity, siteIdentityPath, type SiteIdentity } from './SiteIdentity';

export interface SiteRegistrationOptions {
  stateDir: string;
  vault: string;
  /** A key file from `asr site register-key`; without one, the operator's own credentials issue a key (they can enable protection anyway). */
  registrationKeyFile?: string;
  friendlyName?: string;
}

const sameVault = (a: { endpoint: string; subscriptionId: string; resourceGroup: string; vault: string }, b: typeof a) =>
  new URL(a.endpoint).origin === new URL(b.endpoint).origin && a.subscriptionId.toLowerCase() === b.subscriptionId.toLowerCase()
  && a.resourceGroup.toLowerCase() === b.resourceGroup.toLowerCase() && a.vault.toLowerCase() === b.vault.toLowerCase();

/**
 * This host's site identity for a vault: the one registered before (`{stateDir}/{vault}/site.json`),
 * else a new registration, with the key file's single-use key, or with a key the operator's
 * token issues (`POST …/siteRegistrationKeys`, Contributor: the same role that enables protection).
 */
export async function ensureSiteIdentity(api: AgentApi, options: SiteRegistrationOptions): Promise<SiteIdentity> {
  const here = { endpoint: api.config.endpoint, subscriptionId: api.config.subscriptionId, resourceGroup: api.config.resourceGroup, vault: options.vault };
  const existing = await loadSiteIdentity(options.stateDir, options.vault);
  if (existing) {
    if (!sameVault(existing, here)) {
      throw new ServiceError('Conflict', `${siteIdentityPath(options.stateDir, options.vault)} is this host's site of vault '${existing.vault}' at ${existing.endpoint} (${existing.subscriptionId}/${existing.resourceGroup}), not of this one; use another --state-dir`);
    }
    return existing;
  }
  let registrationKey: string;
  if (options.registrationKeyFile) {
    const file = await readRegistrationKeyFile(options.registrationKeyFile);
    if (!sameVault(file, here)) {
      throw new ServiceError('InvalidParameter', `${options.registrationKeyFile} registers with vault '${file.vault}' at ${file.endpoint} (${file.subscriptionId}/${file.resourceGroup}), not with '${options.vault}' here`);
    }
    registrationKey = file.registrationKey;
  } else {
    if (!api.post) throw new ServiceError('InvalidParameter', 'this site is not registered with the vault: pass --registration-key-file (asr site register-key)');
    const issued = await api.post<{ properties: { registrationKey: string } }>(`${api.vaultPath(options.vault)}/siteRegistrationKeys`, { properties: { validityMinutes: 5 } });
    registrationKey = issued.properties.registrationKey;
  }
  const credential = await new SiteApiClient(here).register(registrationKey, options.friendlyName ?? hostname());
  const identity: SiteIdentity = { version: 1, ...here, ...credential, registeredAt: new Date().toISOString() };
  await saveSiteIdentity(options.stateDir, identity);
  return identity;
}

/** The replica channel of a registered site: items' ARM ids come from their agent state. */
export function channelOfSite(identity: SiteIdentity, stateDir: string, options: SiteChannelOptions = {}): ReplicaChannel {
  const api = new SiteApiClient(identity, { siteId: identity.siteId, siteSecret: identity.siteSecret });
  return siteChannel(api, identity.siteId, async (disk) => (await new AgentStateStore(stateDir, identity.vault, disk.item).require()).itemArmId, options);
}
