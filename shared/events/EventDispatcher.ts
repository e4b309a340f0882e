import { ServiceError } from '../errors';
import type { AlertSettingProperties, AlertWebhook, EventDocument, MetadataStore, ResourceDocument } from '../metadata';
import { EVENT_SEVERITIES } from './ReplicationEventDraft';
import type { EventTopicSender } from './ServiceBusEventSender';
import { httpWebhookSender, type WebhookSender } from './WebhookSender';

/** Events of one vault handled per round (the oldest first). */
const ROUND = 100;

const RANK = new Map<string, number>(EVENT_SEVERITIES.map((s, i) => [s, i]));

/**
 * A delivery target: a webhook of one of the vault's alert settings, named `<setting>/<webhook>`,
 * or the Service Bus topic (`servicebus:<topic>`, every event, always on when configured).
 */
interface Target {
  id: string;
  isDue(event: EventDocument): boolean;
  send(event: EventDocument, vaultName: string): Promise<void>;
}

function webhookDue(id: string, webhook: AlertWebhook, event: EventDocument): boolean {
  // An event may name its webhooks (a drill schedule's `notify.targets`): only those get it.
  const named = event.properties.eventSpecificDetails?.notifyTargets;
  if (Array.isArray(named) && named.length > 0 && !named.some((n) => String(n).toLowerCase() === id.toLowerCase())) return false;
  return (RANK.get(event.properties.severity) ?? 0) <= (RANK.get(webhook.minimumSeverity) ?? 1);
}

export interface DispatchReport {
  delivered: number;
  failed: number;
}

/**
 * Delivers published events to the vault's alert targets: each event to each target due
 * (by its minimum severity) at least once, in order per affected object, with the event's
 * stable name as message id. A round takes the vault's undelivered events oldest first; a
 * target that fails on an object's event gets none of that object's later events in the round
 * (they wait, in order, for the next). A target's acknowledgement is recorded on the event with
 * If-Match; a crash before that record sends it again, with the same id. One dispatcher runs at
 * a time (the timer is a singleton): the order holds because rounds do not overlap.
 */
export class EventDispatcher {
  constructor(private readonly store: MetadataStore, private readonly send: WebhookSender = httpWebhookSender,
    private readonly log: (message: string, err?: unknown) => void = () => undefined,
    private readonly topic?: EventTopicSender) {}

  async deliverAll(): Promise<DispatchReport> {
    const total: DispatchReport = { delivered: 0, failed: 0 };
    for (const vaultKey of await this.store.listVaultsWithUndeliveredEvents(ROUND)) {
      const r = await this.deliverVault(vaultKey);
      total.delivered += r.delivered;
      total.failed += r.failed;
    }
    return total;
  }

  async deliverVault(vaultKey: string): Promise<DispatchReport> {
    const report: DispatchReport = { delivered: 0, failed: 0 };
    const targets = await this.targetsOf(vaultKey);
    const vaultName = vaultKey.split('/').pop()!;
    /** `<target>|<affected object>` pairs that failed this round: their later events wait. */
    const blocked = new Set<string>();
    for (const event of await this.store.listUndeliveredEvents(vaultKey, ROUND)) {
      const delivery = event.delivery ?? { pending: true, deliveredTo: [], attempts: 0 };
      const due = targets.filter((t) => t.isDue(event));
      const deliveredTo = [...delivery.deliveredTo];
      let lastError: string | undefined;
      for (const target of due) {
        if (deliveredTo.includes(target.id)) continue;
        const lane = `${target.id}|${event.match.affectedObjectCorrelationId}`;
        if (blocked.has(lane)) continue;
        try {
          await target.send(event, vaultName);
          deliveredTo.push(target.id);
          report.delivered++;
        } catch (err) {
          blocked.add(lane);
          lastError = `${target.id}: ${(err as Error).message}`;
          report.failed++;
          this.log(`event ${event.name} not delivered to ${target.id}; retried next round`, err);
        }
      }
      const pending = due.some((t) => !deliveredTo.includes(t.id));
      const next: EventDocument = { ...event, delivery: { pending, deliveredTo, attempts: delivery.attempts + 1, ...(lastError ? { lastError } : {}) } };
      try {
        await this.store.replaceEvent(next, { ifMatch: event._etag });
      } catch (err) {
        if (!(err instanceof ServiceError && (err.code === 'PreconditionFailed' || err.code === 'NotFound'))) throw err;
      }
    }
    return report;
  }

  private async targetsOf(vaultKey: string): Promise<Target[]> {
    const targets: Target[] = [];
    const topic = this.topic;
    if (topic) targets.push({ id: topic.id, isDue: () => true, send: (event, vaultName) => topic.send(event, vaultName) });
    let continuationToken: string | undefined;
    do {
      const page = await this.store.listResources(vaultKey, { kind: 'alertSetting', continuationToken });
      for (const doc of page.items as unknown as ResourceDocument<AlertSettingProperties>[]) {
        for (const webhook of doc.properties.webhooks ?? []) {
          targets.push({ id: `${doc.name}/${webhook.name}`, isDue: (e) => webhookDue(`${doc.name}/${webhook.name}`, webhook, e), send: (e, v) => this.send(webhook, e, v) });
        }
      }
      continuationToken = page.continuationToken;
    } while (continuationToken);
    return targets;
  }
}
