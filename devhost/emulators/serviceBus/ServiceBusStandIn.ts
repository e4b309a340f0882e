import type { Server, Socket } from 'node:net';
import rhea, { type Delivery, type EventContext, type Message, type Sender } from 'rhea';
import type { MessageEntity } from './MessageEntity';
import { StandInNamespace } from './StandInNamespace';
import type { ServiceBusStandInConfig } from './serviceBusStandInConfig';

/** Format of a batch the Service Bus client sends (`sendMessages([...])`): each data section is one encoded message. */
const BATCH_FORMAT = 0x80013700;
const CBS = '$cbs';
const MANAGEMENT = '/$management';
const RENEW_LOCK = 'com.microsoft:renew-lock';
const LOCK_LOST = 'The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue.';

/** The connection string the official Service Bus emulator documents, on this stand-in's address. */
export function standInConnectionString(host: string, port: number): string {
  return `Endpoint=sb://${host}:${port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;`;
}

export interface ServiceBusStandIn {
  port: number;
  /** For `new ServiceBusClient(connectionString)` (plain AMQP on loopback, as with the official emulator). */
  connectionString: string;
  namespace: StandInNamespace;
  stop(): Promise<void>;
}

export interface StartServiceBusStandInOptions {
  host?: string;
  /** 5672 (AMQP) by default; 0 picks a free port. */
  port?: number;
  config: ServiceBusStandInConfig;
}

/** A delivery sent under a peek-lock, to find the lock when the receiver settles it. */
interface LockedDelivery {
  entity: MessageEntity;
  token: Buffer;
}

type LinkWithAttach = { remote: { attach?: { snd_settle_mode?: number } }; local: { attach: { snd_settle_mode?: number } } };

/**
 * A STAND-IN for Azure Service Bus (no emulator runs here without Docker): an AMQP 1.0 endpoint
 * on `rhea` that speaks the part of Service Bus's protocol the real `@azure/service-bus` client
 * uses: CBS put-token on `$cbs` (any token is accepted), sender links to queues and topics
 * (single messages and batches), receiver links on queues, `topic/Subscriptions/sub` and their
 * `$DeadLetterQueue`, in peek-lock (complete, abandon, dead-letter, release, lock expiry,
 * dead-lettering after `maxDeliveryCount`) or receive-and-delete, drain, and `renew-lock` on
 * `<entity>/$management`. Messages live in memory only. Not served: sessions, deferral,
 * scheduling, peek, duplicate detection, SQL filters, TTL expiry, transactions, auth checks.
 */
export async function startServiceBusStandIn(options: StartServiceBusStandInOptions): Promise<ServiceBusStandIn> {
  const host = options.host ?? '127.0.0.1';
  const namespace = new StandInNamespace(options.config);
  const container = rhea.create_container({ id: 'servicebus-stand-in', treat_modified_as_released: false } as never);
  /** Receiver links of clients (our senders), by the entity they receive from. */
  const receivers = new Map<Sender, MessageEntity>();
  /** Links on which CBS and management replies go back. */
  const replySinks = new Set<Sender>();
  const locked = new WeakMap<Delivery, LockedDelivery>();
  const sockets = new Set<Socket>();

  const pump = (entity: MessageEntity) => {
    const links = [...receivers].filter(([, e]) => e === entity).map(([l]) => l);
    let progress = true;
    while (progress && entity.hasAvailable()) {
      progress = false;
      for (const link of links) {
        if (!entity.hasAvailable() || !link.sendable()) continue;
        const lock = entity.lockNext(link)!;
        const { entry } = lock;
        const delivery = link.send({
          ...entry.message,
          delivery_count: entry.deliveryCount - 1,
          message_annotations: {
            ...(entry.message.message_annotations ?? {}),
            'x-opt-sequence-number': rhea.types.wrap_long(entry.sequenceNumber),
            'x-opt-enqueued-time': entry.enqueuedAt,
            'x-opt-locked-until': lock.lockedUntil,
          },
        } as Message, lock.token);
        if ((link as unknown as LinkWithAttach).local.attach.snd_settle_mode === 1) entity.complete(lock.token); // receive-and-delete
        else locked.set(delivery, { entity, token: lock.token });
        progress = true;
      }
    }
    for (const link of links) if (!entity.hasAvailable()) link.set_drained(true);
  };
  for (const entity of namespace.entities()) entity.onAvailable = () => setImmediate(() => pump(entity));

  const reply = (ctx: EventContext, request: Message, statusCode: number, description: string, body?: unknown) => {
    const address = ctx.receiver!.target?.address;
    const sinks = [...replySinks].filter((s) => s.connection === ctx.connection && s.source?.address === address);
    const sink = sinks.find((s) => s.name === request.reply_to || s.target?.address === request.reply_to) ?? sinks[0];
    if (!sink) return;
    const statusKeys = address === CBS ? ['status-code', 'status-description'] : ['statusCode', 'statusDescription'];
    sink.send({
      correlation_id: request.message_id, to: request.reply_to,
      application_properties: { [statusKeys[0]]: statusCode, [statusKeys[1]]: description },
      body: body ?? null,
    });
  };

  const manage = (ctx: EventContext, request: Message) => {
    const address = ctx.receiver!.target!.address!;
    const operation = (request.application_properties ?? {}).operation as string | undefined;
    const entity = namespace.receivable(address.slice(0, -MANAGEMENT.length));
    if (!entity) return reply(ctx, request, 404, `no entity '${address.slice(0, -MANAGEMENT.length)}' in the stand-in`);
    if (operation !== RENEW_LOCK) return reply(ctx, request, 501, `the Service Bus stand-in does not implement '${operation}'`);
    const tokens = ((request.body ?? {}) as Record<string, unknown>)['lock-tokens'] as Buffer[] | undefined ?? [];
    const expirations: Date[] = [];
    for (const token of tokens) {
      // Lock tokens travel as .NET GUIDs: the client may send the delivery tag's bytes reordered.
      const until = entity.renew(Buffer.from(token)) ?? entity.renew(dotNetGuidOrder(Buffer.from(token)));
      if (!until) return reply(ctx, request, 410, LOCK_LOST);
      expirations.push(until);
    }
    reply(ctx, request, 200, 'OK', { expirations });
  };

  container.on('sender_open', (ctx: EventContext) => {
    const link = ctx.sender!;
    const address = link.source?.address ?? '';
    link.set_source(link.source ?? {});
    link.set_target(link.target ?? {});
    if (address === CBS || address.endsWith(MANAGEMENT)) {
      replySinks.add(link);
      return;
    }
    const entity = namespace.receivable(address);
    if (!entity) {
      link.close({ condition: 'amqp:not-found', description: `The messaging entity '${address}' could not be found (Service Bus stand-in).` });
      return;
    }
    if ((link as unknown as LinkWithAttach).remote.attach?.snd_settle_mode === 1) (link as unknown as LinkWithAttach).local.attach.snd_settle_mode = 1;
    receivers.set(link, entity);
  });
  container.on('receiver_open', (ctx: EventContext) => {
    const link = ctx.receiver!;
    const address = link.target?.address ?? '';
    link.set_source(link.source ?? {});
    link.set_target(link.target ?? {});
    if (address !== CBS && !address.endsWith(MANAGEMENT) && !namespace.accepts(address)) {
      link.close({ condition: 'amqp:not-found', description: `The messaging entity '${address}' could not be found (Service Bus stand-in).` });
    }
  });
  container.on('sendable', (ctx: EventContext) => {
    const entity = receivers.get(ctx.sender!);
    if (entity) pump(entity);
  });
  container.on('sender_draining', (ctx: EventContext) => {
    const entity = receivers.get(ctx.sender!);
    if (entity) pump(entity);
    else ctx.sender!.set_drained(true);
  });
  const dropLink = (link: Sender) => {
    const entity = receivers.get(link);
    replySinks.delete(link);
    if (!entity) return;
    receivers.delete(link);
    entity.dropHolder(link);
  };
  container.on('sender_close', (ctx: EventContext) => dropLink(ctx.sender!));
  container.on('disconnected', (ctx: EventContext) => {
    for (const link of [...receivers.keys(), ...replySinks]) if (link.connection === ctx.connection) dropLink(link);
  });

  container.on('message', (ctx: EventContext) => {
    const address = ctx.receiver!.target?.address ?? '';
    if (address === CBS) {
      // Any token is accepted: the stand-in checks no credentials.
      reply(ctx, ctx.message!, 202, 'Accepted');
      return;
    }
    if (address.endsWith(MANAGEMENT)) {
      manage(ctx, ctx.message!);
      return;
    }
    for (const message of unbatch(ctx)) namespace.send(address, message);
  });

  const settle = (ctx: EventContext, outcome: 'accepted' | 'released' | 'rejected' | 'modified') => {
    const delivery = ctx.delivery!;
    const held = locked.get(delivery);
    if (!held) return;
    locked.delete(delivery);
    const { entity, token } = held;
    let ok: boolean;
    if (outcome === 'accepted') ok = entity.complete(token);
    else if (outcome === 'released') ok = entity.release(token);
    else if (outcome === 'rejected') {
      const info = ((delivery.remote_state as { error?: { info?: Record<string, string> } } | undefined)?.error?.info) ?? {};
      ok = entity.deadLetterMessage(token, info.DeadLetterReason, info.DeadLetterErrorDescription);
    } else {
      // modified: abandon (undeliverable_here false) or defer (true); the stand-in has no deferral.
      ok = entity.abandon(token);
    }
    if (delivery.settled) return;
    if (ok) delivery.update(true, outcomes.accepted().described());
    else delivery.update(true, outcomes.rejected({ error: { condition: 'com.microsoft:message-lock-lost', description: LOCK_LOST } }).described());
  };
  for (const outcome of ['accepted', 'released', 'rejected', 'modified'] as const) container.on(outcome, (ctx: EventContext) => settle(ctx, outcome));
  container.on('error', () => undefined);
  container.on('connection_error', () => undefined);

  const server = container.listen({ host, port: options.port ?? 5672 }) as unknown as Server;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE'
      ? new Error(`Service Bus stand-in: port ${options.port} is already in use`) : err));
  });
  const port = (server.address() as { port: number }).port;
  let stopping: Promise<void> | undefined;
  return {
    port,
    connectionString: standInConnectionString(host, port),
    namespace,
    stop: () => (stopping ??= new Promise<void>((resolve) => {
      namespace.close();
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    })),
  };
}

/** rhea's outcome builders (untyped in its typings). */
const outcomes = rhea.message as unknown as { accepted(): { described(): unknown }; rejected(o: object): { described(): unknown } };

/** A GUID's bytes in .NET order (the first three fields little-endian), and back: the swap is its own inverse. */
function dotNetGuidOrder(b: Buffer): Buffer {
  return Buffer.concat([Buffer.from(b.subarray(0, 4)).reverse(), Buffer.from(b.subarray(4, 6)).reverse(), Buffer.from(b.subarray(6, 8)).reverse(), b.subarray(8)]);
}

/** The messages of one transfer: itself, or each message of a batch. */
function unbatch(ctx: EventContext): Message[] {
  if ((ctx as { format?: number }).format !== BATCH_FORMAT) return [ctx.message!];
  const envelope = rhea.message.decode(ctx.message as unknown as Buffer);
  const body = envelope.body as { content: Buffer | Buffer[]; multiple?: boolean };
  const parts = body.multiple ? (body.content as Buffer[]) : [body.content as Buffer];
  return parts.map((p) => rhea.message.decode(p) as unknown as Message);
}
