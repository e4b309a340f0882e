import { ServiceError } from '../errors';
import { AgentApi } from './AgentApi';
import { AgentEndpoint, AgentState } from './AgentState';
import { AgentStateStore } from './AgentStateStore';

/** The endpoint an API client addresses for `vault`, normalised for comparison. */
export function endpointOf(api: AgentApi, vault: string): AgentEndpoint {
  const u = new URL(api.config.endpoint);
  return {
    apiBaseUrl: `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`.toLowerCase(),
    subscriptionId: api.config.subscriptionId.toLowerCase(),
    resourceGroup: api.config.resourceGroup.toLowerCase(),
    vault: vault.toLowerCase(),
  };
}

const describe = (e: AgentEndpoint) => `${e.apiBaseUrl} (subscription ${e.subscriptionId}, resource group ${e.resourceGroup}, vault ${e.vault})`;

/** How to start over with this item's state: the message every refusal ends with. */
export function startOverHint(store: AgentStateStore, state: Pick<AgentState, 'vault' | 'item'>): string {
  return `To start over, remove the state directory (rm -rf '${store.dir}') and run 'asr agent protect ${state.vault} ${state.item} --disk … --policy …' again (a full initial replication); ` +
    'or point ASR_ENDPOINT, ASR_SUBSCRIPTION and ASR_RESOURCE_GROUP (or --state-dir) at the service this state belongs to.';
}

/**
 * The state belongs to the service `api` addresses: same API base URL, subscription, resource
 * group and vault. State from another server (or written before endpoints were recorded) is
 * refused at once, naming the directory and how to start over, instead of shipping logs that
 * server never merges.
 */
export function assertSameEndpoint(store: AgentStateStore, state: AgentState, api: AgentApi): void {
  const here = endpointOf(api, state.vault);
  if (!state.endpoint || !state.protectionId) {
    throw new ServiceError('AgentStateMismatch', `the agent state in ${store.dir} was written by an older agent and records no endpoint or protection id, so it cannot be tied to ${describe(here)}. ${startOverHint(store, state)}`);
  }
  const differs = (Object.keys(here) as (keyof AgentEndpoint)[]).filter((k) => here[k] !== state.endpoint![k].toLowerCase());
  if (differs.length > 0) {
    throw new ServiceError('AgentStateMismatch', `the agent state in ${store.dir} belongs to ${describe(state.endpoint)}, not to ${describe(here)} (${differs.join(', ')} differ). ${startOverHint(store, state)}`);
  }
}

/**
 * The service still knows this state's protection: the item exists and carries the protection
 * id this state was issued. Otherwise (protection disabled, or disabled and enabled again, or
 * another server) a clear error at once.
 */
export async function assertProtectionKnown(api: AgentApi, store: AgentStateStore, state: AgentState): Promise<void> {
  assertSameEndpoint(store, state, api);
  let item;
  try {
    item = await api.get(state.itemArmId);
  } catch (err) {
    if (err instanceof ServiceError && (err.code === 'NotFound' || err.code === 'ProtectedItemNotFound' || (err.details as { status?: number } | undefined)?.status === 404)) {
      throw new ServiceError('ProtectionUnknown', `the service at ${state.endpoint!.apiBaseUrl} has no protected item '${state.item}' (${state.itemArmId}) for the protection recorded in ${store.dir} (protection id ${state.protectionId}): its protection was disabled, or this state is from another deployment. ${startOverHint(store, state)}`);
    }
    throw err;
  }
  const theirs = item.properties?.providerSpecificDetails?.protectionId as string | undefined;
  if (theirs !== state.protectionId) {
    throw new ServiceError('ProtectionUnknown', `protected item '${state.item}' on ${state.endpoint!.apiBaseUrl} is protection ${theirs ?? '(none)'}, not the protection ${state.protectionId} recorded in ${store.dir}: protection was disabled and enabled again (possibly by another machine) since this state was written. ${startOverHint(store, state)}`);
  }
}
