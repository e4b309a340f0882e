import { randomBytes } from 'node:crypto';
import type { Message } from 'rhea';

/** A message held by a queue or subscription (in memory: the stand-in keeps nothing on disk). */
export interface StoredMessage {
  sequenceNumber: number;
  enqueuedAt: Date;
  /** The AMQP message as the sender sent it (rhea's decoded form). */
  message: Message;
  /** Deliveries so far (a lock taken and lost, abandoned, or expired counts; a release does not). */
  deliveryCount: number;
}

/** A peek-lock on one delivered message. */
export interface MessageLock {
  token: Buffer;
  entry: StoredMessage;
  lockedUntil: Date;
  timer: NodeJS.Timeout;
  /** Who holds it: the link it was delivered on (released when that link goes). */
  holder: object;
}

export interface EntityLimits {
  maxDeliveryCount: number;
  lockDurationSeconds: number;
}

/**
 * One receivable entity: a queue, a subscription, or the dead-letter queue of one. Messages wait
 * in sequence order; a delivery takes a peek-lock that complete removes, abandon or expiry returns
 * (to its place in the order), and the delivery that reaches `maxDeliveryCount` moves to the
 * dead-letter queue with `DeadLetterReason: MaxDeliveryCountExceeded`, as Service Bus does.
 */
export class MessageEntity {
  private readonly available: StoredMessage[] = [];
  private readonly locks = new Map<string, MessageLock>();
  /** Called when a message becomes available (the server pumps it to a receiver with credit). */
  onAvailable: () => void = () => undefined;

  constructor(readonly path: string, readonly limits: EntityLimits, readonly deadLetter?: MessageEntity) {}

  get activeCount(): number {
    return this.available.length + this.locks.size;
  }

  enqueue(entry: StoredMessage): void {
    // In sequence order: an abandoned message goes back to its place, before later ones.
    let i = this.available.length;
    while (i > 0 && this.available[i - 1].sequenceNumber > entry.sequenceNumber) i--;
    this.available.splice(i, 0, entry);
    this.onAvailable();
  }

  hasAvailable(): boolean {
    return this.available.length > 0;
  }

  /** Takes the next message under a new lock held by `holder`. */
  lockNext(holder: object): MessageLock | undefined {
    const entry = this.available.shift();
    if (!entry) return undefined;
    entry.deliveryCount++;
    const token = randomBytes(16);
    const lock: MessageLock = { token, entry, holder, lockedUntil: this.lockExpiry(), timer: this.expiryTimer(token) };
    this.locks.set(token.toString('hex'), lock);
    return lock;
  }

  /** Settles with complete: the message is gone. False when the lock was lost (expired, released). */
  complete(token: Buffer): boolean {
    const lock = this.take(token);
    return lock !== undefined;
  }

  /** Abandon (or a lost lock): back in line unless it used up its deliveries. */
  abandon(token: Buffer): boolean {
    const lock = this.take(token);
    if (!lock) return false;
    this.returnOrDeadLetter(lock.entry);
    return true;
  }

  /** A release (the receiver never looked at it): back in line, the delivery not counted. */
  release(token: Buffer): boolean {
    const lock = this.take(token);
    if (!lock) return false;
    lock.entry.deliveryCount--;
    this.enqueue(lock.entry);
    return true;
  }

  /** Dead-letter on the receiver's request, with its reason. */
  deadLetterMessage(token: Buffer, reason?: string, description?: string): boolean {
    const lock = this.take(token);
    if (!lock) return false;
    this.moveToDeadLetter(lock.entry, reason ?? 'DeadLetteredByReceiver', description ?? '');
    return true;
  }

  /** Extends a lock; undefined when it is lost. */
  renew(token: Buffer): Date | undefined {
    const lock = this.locks.get(token.toString('hex'));
    if (!lock) return undefined;
    clearTimeout(lock.timer);
    lock.lockedUntil = this.lockExpiry();
    lock.timer = this.expiryTimer(token);
    return lock.lockedUntil;
  }

  /** A receiver link went away: its locks are lost now (Service Bus would wait for their expiry). */
  dropHolder(holder: object): void {
    for (const lock of [...this.locks.values()]) if (lock.holder === holder) this.abandon(lock.token);
  }

  close(): void {
    for (const lock of this.locks.values()) clearTimeout(lock.timer);
  }

  private take(token: Buffer): MessageLock | undefined {
    const key = token.toString('hex');
    const lock = this.locks.get(key);
    if (!lock) return undefined;
    clearTimeout(lock.timer);
    this.locks.delete(key);
    return lock;
  }

  private returnOrDeadLetter(entry: StoredMessage): void {
    if (this.deadLetter && entry.deliveryCount >= this.limits.maxDeliveryCount) {
      this.moveToDeadLetter(entry, 'MaxDeliveryCountExceeded', `Message could not be consumed after ${this.limits.maxDeliveryCount} delivery attempts.`);
    } else {
      this.enqueue(entry);
    }
  }

  private moveToDeadLetter(entry: StoredMessage, reason: string, description: string): void {
    if (!this.deadLetter) return; // a dead-letter queue's own messages have nowhere further to go
    const message: Message = {
      ...entry.message,
      application_properties: { ...(entry.message.application_properties ?? {}), DeadLetterReason: reason, DeadLetterErrorDescription: description },
    };
    this.deadLetter.enqueue({ ...entry, message, deliveryCount: 0 });
  }

  private lockExpiry(): Date {
    return new Date(Date.now() + this.limits.lockDurationSeconds * 1000);
  }

  private expiryTimer(token: Buffer): NodeJS.Timeout {
    const timer = setTimeout(() => this.abandon(token), this.limits.lockDurationSeconds * 1000);
    timer.unref();
    return timer;
  }
}
