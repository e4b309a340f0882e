import { readFileSync } from 'node:fs';
import { z } from 'zod';

const ENTITY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,259}$/;

const receiving = {
  /** Deliveries before a message is moved to `<entity>/$DeadLetterQueue` (Service Bus's default: 10). */
  maxDeliveryCount: z.number().int().min(1).max(2000).default(10),
  /** How long a peek-locked message stays locked (Service Bus's default: 60 s). */
  lockDurationSeconds: z.number().int().min(1).max(300).default(60),
};

const subscriptionSchema = z.object({
  name: z.string().regex(ENTITY_NAME),
  ...receiving,
  /**
   * A correlation-style filter: the subscription gets the messages whose application properties
   * equal every value given. Service Bus's SQL filters are not understood by the stand-in.
   */
  filter: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
}).strict();

const schema = z.object({
  queues: z.array(z.object({ name: z.string().regex(ENTITY_NAME), ...receiving }).strict()).default([]),
  topics: z.array(z.object({ name: z.string().regex(ENTITY_NAME), subscriptions: z.array(subscriptionSchema).default([]) }).strict()).default([]),
}).strict();

/** The entities the stand-in serves (declared up front, as a namespace's are; nothing is created on demand). */
export type ServiceBusStandInConfig = z.output<typeof schema>;
export type ServiceBusStandInConfigInput = z.input<typeof schema>;

/** What the app needs: the events topic and its catch-all subscription (infra/ declares the same in Azure). */
export const DEFAULT_SERVICE_BUS_ENTITIES: ServiceBusStandInConfigInput = {
  topics: [{ name: 'asr-events', subscriptions: [{ name: 'all' }] }],
};

/** Validates a declaration; the events topic and subscription are added when it does not declare them. */
export function parseServiceBusStandInConfig(input: unknown): ServiceBusStandInConfig {
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) throw new Error(`Service Bus stand-in entities: ${z.prettifyError(parsed.error)}`);
  const config = parsed.data;
  if (!config.topics.some((t) => t.name.toLowerCase() === 'asr-events')) {
    config.topics.push(schema.parse(DEFAULT_SERVICE_BUS_ENTITIES).topics[0]);
  }
  return config;
}

/** Reads a declaration file (`--service-bus-config`), or the defaults when none is given. */
export function loadServiceBusStandInConfig(file?: string): ServiceBusStandInConfig {
  if (!file) return parseServiceBusStandInConfig(DEFAULT_SERVICE_BUS_ENTITIES);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`Service Bus stand-in entities: cannot read ${file}: ${(err as Error).message}`);
  }
  return parseServiceBusStandInConfig(json);
}
