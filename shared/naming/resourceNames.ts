import { z } from 'zod';

/**
 * The naming rules every name and id must meet before it is used: in a Cosmos document id,
 * in a blob path, in a message. ARM's own rules where ARM has them (subscription ids are GUIDs;
 * resource group and vault names); for the vault's child resources ASR publishes none, so
 * they get the rule that keeps a name one safe path segment: letters, digits, `.`, `_`, `-`,
 * starting with a letter or digit, not ending with `.`. Nothing that could split a path (`/`,
 * `\`, `%2F` once decoded), join document ids (`|`), collide with the vault segment's `~`, or
 * climb out of a folder (`..`) gets through.
 * @see https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules
 */

export const subscriptionIdSchema = z.string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a subscription id (a GUID)');

/** ARM: 1-90 letters, digits, `_`, `(`, `)`, `-`, `.`; not ending with `.` (ASCII only here). */
export const resourceGroupNameSchema = z.string()
  .regex(/^[A-Za-z0-9_().-]{1,90}$/, 'must be 1-90 letters, digits, "_", "(", ")", "-" or "."')
  .refine((s) => !s.endsWith('.'), 'must not end with "."');

/** The ARM id of a resource group: `/subscriptions/{guid}/resourceGroups/{name}` (names by the rules above). */
export const resourceGroupIdSchema = z.string()
  .regex(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+$/i, 'must be the ARM id of a resource group: /subscriptions/{subscription id}/resourceGroups/{name}')
  .refine((s) => subscriptionIdSchema.safeParse(s.split('/')[2]).success, 'must name a subscription id (a GUID)')
  .refine((s) => resourceGroupNameSchema.safeParse(s.split('/')[4]).success, 'must name a resource group of 1-90 letters, digits, "_", "(", ")", "-" or ".", not ending with "."');

/** ARM (Microsoft.RecoveryServices/vaults): 2-50 letters, digits and `-`, starting with a letter. */
export const vaultNameSchema = z.string()
  .regex(/^[A-Za-z][A-Za-z0-9-]{1,49}$/, 'must be 2-50 letters, digits or "-", starting with a letter');

/** Names of a vault's resources (fabrics, containers, items, policies, plans, networks, mappings) and disk ids. */
export const resourceNameSchema = z.string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit')
  .refine((s) => !s.endsWith('.'), 'must not end with "."');

/** A protected item's disk id: one path segment of its replica blobs, same rule as a resource name. */
export const diskIdSchema = resourceNameSchema;

/** Ids the service issued (job names, recovery point names, operation tokens): base64url and GUID characters. */
export const issuedIdSchema = z.string()
  .regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,1023}$/, 'is not an id this service issued');

/** An Automation runbook id (`/subscriptions/…/runbooks/<name>` or a bare name): never a URL, never a query. */
export const runbookIdSchema = z.string()
  .regex(/^[A-Za-z0-9_./()-]{1,512}$/, 'must be the runbook\'s ARM id or name (letters, digits, "/", ".", "_", "(", ")", "-"); webhook URLs belong in the ASR_RUNBOOK_WEBHOOKS setting, not in a plan');

/** Azure: a virtual network name is 2-64 letters, digits, `_`, `.`, `-`, starting with a letter or digit, ending with a letter, digit or `_`. */
export const virtualNetworkNameSchema = z.string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}[A-Za-z0-9_]$/, 'must be a virtual network name: 2-64 letters, digits, "_", "." or "-", starting with a letter or digit, ending with a letter, digit or "_"');

/** Azure: a subnet name is 1-80 letters, digits, `_`, `.`, `-`, starting with a letter or digit, ending with a letter, digit or `_`. */
export const subnetNameSchema = z.string()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$/, 'must be a subnet name: 1-80 letters, digits, "_", "." or "-", starting with a letter or digit, ending with a letter, digit or "_"');

const VNET_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/virtualNetworks\/([^/]+)$/i;

function isVirtualNetworkId(s: string): boolean {
  const m = VNET_ID.exec(s);
  return !!m && subscriptionIdSchema.safeParse(m[1]).success && resourceGroupNameSchema.safeParse(m[2]).success && virtualNetworkNameSchema.safeParse(m[3]).success;
}

/**
 * A target network: a virtual network's ARM id (`/subscriptions/{guid}/resourceGroups/{rg}/providers/
 * Microsoft.Network/virtualNetworks/{name}`), or a bare virtual network name (the local fabric;
 * Azure reads it as a network in the recovery group). It becomes part of ARM request paths, so
 * nothing else gets through (no query, no `..`, no other provider).
 */
export const virtualNetworkRefSchema = z.string()
  .refine((s) => isVirtualNetworkId(s) || virtualNetworkNameSchema.safeParse(s).success,
    'must be a virtual network\'s ARM id (/subscriptions/{subscription id}/resourceGroups/{group}/providers/Microsoft.Network/virtualNetworks/{name}) or a virtual network name');

/** A subnet: its ARM id (`{virtual network id}/subnets/{name}`) or a bare subnet name. */
export const subnetRefSchema = z.string()
  .refine((s) => {
    const i = s.toLowerCase().lastIndexOf('/subnets/');
    return i < 0 ? subnetNameSchema.safeParse(s).success : isVirtualNetworkId(s.slice(0, i)) && subnetNameSchema.safeParse(s.slice(i + 9)).success;
  }, 'must be a subnet\'s ARM id (/subscriptions/{subscription id}/resourceGroups/{group}/providers/Microsoft.Network/virtualNetworks/{network}/subnets/{name}) or a subnet name');

/** The first rule violation of `value`, or undefined if it passes. */
export function nameProblem(schema: z.ZodType, value: string): string | undefined {
  const r = schema.safeParse(value);
  return r.success ? undefined : r.error.issues[0].message;
}
