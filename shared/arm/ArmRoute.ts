import type { Principal, Role } from '../security';
import type { ArmContext } from './ArmContext';
import type { ArmResponse } from './ArmRequest';

/** One entry of the route table. */
export interface ArmRoute {
  method: 'GET' | 'PUT' | 'PATCH' | 'DELETE' | 'POST' | 'OPTIONS';
  /** Path segments; `{…}` captures one segment. Literals match case-insensitively, as in ARM. */
  pattern: string[];
  /** The weakest app role allowed. */
  role: Role;
  /** What the call does, for messages and the audit trail, e.g. `create replication policy`. */
  action: string;
  /**
   * `site`: the caller is a source site, not a token holder: the handler checks a registration
   * key or the site's credential itself (401 on failure), and no bearer token or role is asked.
   * `alertRule`: the caller is the customer's monitoring: the handler checks the rule's secret,
   * or, when the request carries a bearer token, the token (verified here) and its role.
   * Default: a bearer token with at least `role`.
   */
  credential?: 'site' | 'alertRule';
  handler(ctx: ArmContext): Promise<ArmResponse>;
}

/** The principal of an alert rule's trigger without a bearer token, until its handler has checked the rule's secret. */
export const ALERT_SENDER: Principal = { subject: 'alert sender', roles: [] };

/** The prefix of every vault-scoped path. */
export const VAULT_PREFIX = ['subscriptions', '{subscriptionId}', 'resourceGroups', '{resourceGroupName}', 'providers', 'Microsoft.RecoveryServices', 'vaults', '{vaultName}'];

/** Captured values when `segments` fit `pattern`, else undefined. */
export function matchPattern(pattern: string[], segments: string[]): string[] | undefined {
  if (pattern.length !== segments.length) return undefined;
  const captures: string[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p.startsWith('{')) captures.push(segments[i]);
    else if (p.toLowerCase() !== segments[i].toLowerCase()) return undefined;
  }
  return captures;
}
