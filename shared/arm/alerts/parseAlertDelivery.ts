import { z } from 'zod';
import { ServiceError } from '../../errors';

/** Where an alert came from: the three schemas a rule's trigger accepts. */
export type AlertSource = 'AzureMonitor' | 'EventGrid' | 'CloudEvents';

/** One alert as a rule matches it, whatever schema carried it. */
export interface IncomingAlert {
  source: AlertSource;
  /** What two deliveries of the same alert share (the dedup key). */
  alertId: string;
  alertRuleName?: string;
  severity?: string;
  monitorCondition: 'Fired' | 'Resolved';
  /** The resources the alert is about (ARM ids, or an event's topic, subject or source). */
  targetIds: string[];
  /** The common schema's id for Azure Monitor; the event's type for Event Grid and CloudEvents. */
  eventType: string;
  description?: string;
}

/** What a delivery asks: Event Grid's subscription validation handshake, or alerts to act on. */
export type AlertDelivery =
  | { kind: 'validation'; validationCode: string }
  | { kind: 'alerts'; alerts: IncomingAlert[] };

export const EVENT_GRID_VALIDATION_TYPE = 'Microsoft.EventGrid.SubscriptionValidationEvent';
const COMMON_SCHEMA_ID = 'azureMonitorCommonAlertSchema';
/** More events in one delivery than anyone batches to a webhook (Event Grid's default is 1). */
const MAX_EVENTS = 500;

const id = z.string().min(1).max(1024);
const essentials = z.object({
  alertId: id,
  alertRule: z.string().max(1024).optional(),
  severity: z.string().max(20).optional(),
  monitorCondition: z.enum(['Fired', 'Resolved']),
  alertTargetIDs: z.array(z.string().max(2048)).max(100).optional(),
  description: z.string().max(4096).optional(),
}).loose();
const commonAlert = z.object({ schemaId: z.literal(COMMON_SCHEMA_ID), data: z.object({ essentials }).loose() }).loose();
const eventGridEvent = z.object({
  id,
  eventType: z.string().min(1).max(1024),
  subject: z.string().max(2048),
  eventTime: z.string().max(64),
  data: z.unknown().optional(),
  dataVersion: z.string().max(64),
  topic: z.string().max(2048).optional(),
}).loose();
const cloudEvent = z.object({
  specversion: z.literal('1.0', { error: 'this endpoint speaks CloudEvents 1.0 (specversion "1.0")' }),
  id,
  source: z.string().min(1).max(2048),
  type: z.string().min(1).max(1024),
  subject: z.string().max(2048).optional(),
  data: z.unknown().optional(),
}).loose();

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue.path.map(String).join('.') || '(body)';
  throw new ServiceError('AlertPayloadInvalid', `${what}: ${field}: ${issue.message}`, { details: { target: field } });
}

/** The common alert schema's essentials inside an event's data (Azure Monitor alerts routed through Event Grid), if they are there. */
function embeddedEssentials(data: unknown): z.infer<typeof essentials> | undefined {
  const inner = (data as { essentials?: unknown } | undefined)?.essentials;
  if (inner === undefined) return undefined;
  return parse(essentials, inner, 'the common alert schema in the event\'s data');
}

function fromEvent(source: AlertSource, eventId: string, eventType: string, targets: (string | undefined)[], data: unknown): IncomingAlert {
  const e = embeddedEssentials(data);
  if (e) {
    return {
      source, alertId: e.alertId, alertRuleName: e.alertRule, severity: e.severity, monitorCondition: e.monitorCondition,
      targetIds: e.alertTargetIDs ?? targets.filter((t): t is string => !!t), eventType, description: e.description,
    };
  }
  const severity = (data as { severity?: unknown } | undefined)?.severity;
  return {
    source, alertId: eventId, eventType, targetIds: targets.filter((t): t is string => !!t),
    // An event has no monitor condition; types like `….Alert.Resolved` say it ended.
    monitorCondition: /resolved$/i.test(eventType) ? 'Resolved' : 'Fired',
    ...(typeof severity === 'string' ? { severity } : {}),
  };
}

function manyOf(body: unknown): unknown[] {
  const events = Array.isArray(body) ? body : [body];
  if (events.length === 0) throw new ServiceError('AlertPayloadInvalid', 'the delivery holds no event');
  if (events.length > MAX_EVENTS) throw new ServiceError('AlertPayloadInvalid', `the delivery holds ${events.length} events; at most ${MAX_EVENTS} are taken at once`);
  return events;
}

/**
 * Reads a delivery to a rule's trigger: an Azure Monitor alert in the common alert schema, Event
 * Grid events (an array; the `SubscriptionValidationEvent` is the subscription's handshake) or
 * CloudEvents 1.0 in structured mode (one, or a batch). Which one is told by the body and the
 * headers Event Grid and CloudEvents senders set; anything else is `AlertPayloadInvalid` (400)
 * saying what was expected.
 */
export function parseAlertDelivery(body: unknown, headers: Record<string, string | undefined>): AlertDelivery {
  const contentType = (headers['content-type'] ?? '').toLowerCase();
  const first = Array.isArray(body) ? body[0] : body;
  if (typeof first !== 'object' || first === null) {
    throw new ServiceError('AlertPayloadInvalid', 'the body is not an Azure Monitor alert (common alert schema), Event Grid events or a CloudEvent (structured JSON)');
  }
  const f = first as Record<string, unknown>;
  if (f.schemaId !== undefined && !Array.isArray(body)) {
    const a = parse(commonAlert, body, 'Azure Monitor alert (common alert schema)').data.essentials;
    return {
      kind: 'alerts',
      alerts: [{
        source: 'AzureMonitor', alertId: a.alertId, alertRuleName: a.alertRule, severity: a.severity, monitorCondition: a.monitorCondition,
        targetIds: a.alertTargetIDs ?? [], eventType: COMMON_SCHEMA_ID, description: a.description,
      }],
    };
  }
  if (contentType.startsWith('application/cloudevents') || f.specversion !== undefined) {
    const events = manyOf(body).map((e, i) => parse(cloudEvent, e, `CloudEvent ${i}`));
    return { kind: 'alerts', alerts: events.map((e) => fromEvent('CloudEvents', `${e.source}#${e.id}`, e.type, [e.source, e.subject], e.data)) };
  }
  if (headers['aeg-event-type'] !== undefined || f.eventType !== undefined) {
    const events = manyOf(body).map((e, i) => parse(eventGridEvent, e, `Event Grid event ${i}`));
    const validation = events.find((e) => e.eventType === EVENT_GRID_VALIDATION_TYPE);
    if (validation) {
      const code = (validation.data as { validationCode?: unknown } | undefined)?.validationCode;
      if (typeof code !== 'string' || code.length === 0 || code.length > 512) {
        throw new ServiceError('AlertPayloadInvalid', 'Event Grid subscription validation: data.validationCode is missing');
      }
      return { kind: 'validation', validationCode: code };
    }
    return { kind: 'alerts', alerts: events.map((e) => fromEvent('EventGrid', e.id, e.eventType, [e.topic, e.subject], e.data)) };
  }
  throw new ServiceError('AlertPayloadInvalid',
    'the body is not an Azure Monitor alert (schemaId azureMonitorCommonAlertSchema), Event Grid events (eventType, subject, …) or a CloudEvent 1.0 (specversion, id, source, type); see docs/alert-rules.md');
}
