import type { z } from 'zod';
import { ServiceError } from '../errors';
import {
  issuedIdSchema, nameProblem, resourceGroupNameSchema, resourceNameSchema, subscriptionIdSchema, vaultNameSchema,
} from '../naming';

/** The rule of each `{…}` placeholder of the route table; any other placeholder is a vault resource's name. */
const RULES: Record<string, z.ZodType> = {
  '{subscriptionId}': subscriptionIdSchema,
  '{resourceGroupName}': resourceGroupNameSchema,
  '{vaultName}': vaultNameSchema,
  '{operationId}': issuedIdSchema,
  '{job}': issuedIdSchema,
  '{point}': issuedIdSchema,
  '{siteId}': issuedIdSchema,
};

/** Placeholders named as themselves in errors; a resource name is named by its collection. */
const SCOPE_PLACEHOLDERS = ['{subscriptionId}', '{resourceGroupName}', '{vaultName}'];

/**
 * Checks every name the path carries (after percent-decoding) against its naming rule, so
 * that `%2F`, `|`, `~` or `..` never reach a document id or a blob path: 400
 * `InvalidSubscriptionId` / `InvalidResourceName` naming the segment and the rule.
 */
export function validateCaptures(pattern: readonly string[], captures: readonly string[]): void {
  let i = 0;
  for (const [at, p] of pattern.entries()) {
    if (!p.startsWith('{')) continue;
    const value = captures[i++];
    const problem = nameProblem(RULES[p] ?? resourceNameSchema, value);
    if (!problem) continue;
    // Name the segment as a caller knows it: `vaultName`, or the collection it sits in (`replicationPolicies`).
    const what = SCOPE_PLACEHOLDERS.includes(p) ? p.slice(1, -1) : pattern[at - 1];
    const shown = JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
    throw new ServiceError(p === '{subscriptionId}' ? 'InvalidSubscriptionId' : 'InvalidResourceName',
      `${what} ${shown} ${problem}`, { details: { target: what } });
  }
}
