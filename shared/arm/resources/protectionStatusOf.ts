import type { ProtectedItemProperties } from '../../metadata';
import { deriveProtectionStatus, policyIntervalOf, withProtectionStatus, type ProtectionStatus } from '../../protection';
import type { PresentContext } from '../ResourceDefinition';

/** The replication interval of the policy `policyId` (read once per answer), or undefined if it is gone. */
function intervalOf(policyId: string, ctx: Omit<PresentContext, 'name'>): Promise<number | undefined> {
  const key = `policy#${policyId.toLowerCase()}`;
  let read = ctx.memo.get(key) as Promise<number | undefined> | undefined;
  if (!read) {
    read = policyIntervalOf(ctx.store, ctx.vaultKey, policyId);
    ctx.memo.set(key, read);
  }
  return read;
}

/** An item's protection status as of the answer (RPO judged against its policy's thresholds). */
export async function protectionStatusOf(p: ProtectedItemProperties, itemName: string, ctx: Omit<PresentContext, 'name'>): Promise<ProtectionStatus> {
  return deriveProtectionStatus(p, { now: ctx.now, itemName, intervalSeconds: await intervalOf(p.policyId, ctx) });
}

/** An item's properties with state, health, errors, RPO and newest point computed for the answer. */
export async function presentProtectionStatus(p: ProtectedItemProperties, ctx: PresentContext): Promise<ProtectedItemProperties> {
  return withProtectionStatus(p, { now: ctx.now, itemName: ctx.name, intervalSeconds: await intervalOf(p.policyId, ctx) });
}
