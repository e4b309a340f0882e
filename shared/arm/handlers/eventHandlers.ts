import { ServiceError } from '../../errors';
import { EventOutbox, parseEventFilter, shapeEvent } from '../../events';
import type { ArmContext } from '../ArmContext';
import type { ArmResponse } from '../ArmRequest';
import { nextLinkOf, skipTokenOf } from '../paging';

const JSON_HEADERS = { 'content-type': 'application/json' };

/**
 * `GET …/replicationEvents[?$filter=…]`, newest first. Pending outboxes of the vault are
 * published first, so every committed state change's event is listed, even one whose writer
 * crashed before publishing it.
 */
export async function listEventsHandler(ctx: ArmContext): Promise<ArmResponse> {
  const vault = await ctx.requireVault();
  const query = parseEventFilter(ctx.url.searchParams.get('$filter'));
  const continuationToken = skipTokenOf(ctx.url);
  if (!continuationToken) await new EventOutbox(ctx.store).flushVault(ctx.vaultKey!);
  const page = await ctx.store.listEvents(ctx.vaultKey!, query, { maxItemCount: ctx.pageSize, continuationToken });
  return {
    status: 200,
    headers: JSON_HEADERS,
    body: { value: page.items.map((e) => shapeEvent(e, vault.location)), nextLink: nextLinkOf(ctx.url, page.continuationToken) },
  };
}

/** `GET …/replicationEvents/{name}`. */
export async function getEventHandler(ctx: ArmContext, name: string): Promise<ArmResponse> {
  const vault = await ctx.requireVault();
  let event = await ctx.store.getEvent(ctx.vaultKey!, name.toLowerCase());
  if (!event) {
    await new EventOutbox(ctx.store).flushVault(ctx.vaultKey!);
    event = await ctx.store.getEvent(ctx.vaultKey!, name.toLowerCase());
  }
  if (!event) throw new ServiceError('NotFound', `replication event '${name}' does not exist in vault '${vault.name}' (events are kept for ASR_EVENT_TTL_DAYS days)`);
  return { status: 200, headers: JSON_HEADERS, body: shapeEvent(event, vault.location) };
}
