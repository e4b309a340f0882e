import type { MetadataStore, VaultDocument } from '../metadata';
import type { Principal } from '../security';
import type { ArmRequest } from './ArmRequest';

/** Everything a handler may use: the request, who sent it, the path's values and the store. */
export interface ArmContext {
  request: ArmRequest;
  url: URL;
  principal: Principal;
  /** Values of the route's `{…}` segments, in order (subscription, resource group, vault, then names). */
  captures: string[];
  store: MetadataStore;
  pageSize: number;
  /** Recovery resource group (a name in the vault's subscription) of items that name none. */
  recoveryResourceGroup: string;
  /** Local development (`ASR_AUTH_MODE=local`): loopback http webhook URLs are accepted. */
  development: boolean;
  now(): Date;
  /** Set by handlers of vault-scoped routes, for the audit trail. */
  vaultKey?: string;
  /** What the handler adds to the audit event of the call (kept even when it throws). */
  auditDetails: Record<string, string>;
  /** Loads the vault named by the path, or throws `NotFound`. */
  requireVault(): Promise<VaultDocument>;
}
