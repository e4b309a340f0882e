import { constants as bufferConstants } from 'node:buffer';
import { BlobClient, BlobItem, ContainerClient } from '@azure/storage-blob';
import { FunctionRegistration } from '../core/FunctionRegistration';
import { HostContext, TriggerKind } from '../core/HostContext';
import { resolveSettingExpressions } from '../core/HostConfig';
import { TypedData } from '../core/TypedData';
import { BlobCreated, BlobEventCursorStore, BlobEventFeed } from './BlobEventFeed';
import { BlobPathPattern } from './BlobPathPattern';
import { BlobReceiptStore, HOSTS_CONTAINER } from './BlobReceiptStore';
import { ListenerLock } from './ListenerLock';
import { blobServiceFor, isStorageError, queueServiceFor } from './StorageClients';
import { STOP_GRACE_MS, WorkTracker } from './WorkTracker';

/** Where blobs go after the last failed try, as in Azure. */
export const BLOB_POISON_QUEUE = 'webjobs-blobtrigger-poison';

interface BlobWatch {
  fn: FunctionRegistration;
  pattern: BlobPathPattern;
  connection: string;
  container: ContainerClient;
  /** blob name -> the ETag already handled: a steady state lists and reads nothing else. */
  seen: Map<string, string>;
  /** `name@etag` being processed now. */
  active: Set<string>;
  /** A whole listing went through since start: a name not in `seen` is then new, with no receipt from an earlier run to look up first. */
  primed: boolean;
  /** `EventGrid` or `LogsAndContainerScan` (the registration's `source`). */
  source: string;
  /** An `EventGrid` source whose storage serves funclocal's BlobCreated feed: events instead of listings. */
  events?: EventWatch;
}

/** What a function served from the BlobCreated feed keeps. */
interface EventWatch {
  feed: BlobEventFeed;
  /** One host at a time reads a function's events (another waits for the lock), so each event runs once. */
  lock: ListenerLock;
  /** The feed's epoch the cursor belongs to; undefined until this host (re)starts reading. */
  epoch?: string;
  /** Last seq read from the feed. */
  readUpTo: number;
  /** Seqs dispatched and not finished (or to be tried again): the saved cursor stays below them. */
  open: Set<number>;
  /** Events whose storage calls failed: dispatched again on the next poll (Event Grid retries delivery). */
  retry: BlobCreated[];
  saved?: number;
  /** The read time of the last poll that read to the feed's end and left nothing open (nor a scan's blob): every blob created before it is handled. */
  handledBefore?: number;
  waitingLogged: boolean;
}

/** The blob a trigger fires for, as a listing or a download describes it. */
type TriggerBlob = Pick<BlobItem, 'name' | 'metadata'> & { properties: Partial<BlobItem['properties']> };
/** Events read from the feed per request. */
const EVENTS_PER_READ = 1000;

/**
 * Blob triggers by polling: each function's container is listed (with the fixed prefix of its
 * path) every poll interval; a blob version (ETag) not yet seen is claimed through a receipt,
 * read, and handed to the function; up to `extensions.blobs.maxDequeueCount` tries (5), then
 * its coordinates go to the poison queue and the receipt is completed so it stops.
 * What one poll costs is the blobs present under the prefix; what the host remembers is bounded
 * by the same, since names no longer listed are forgotten.
 *
 * A registration with `source: 'EventGrid'` reads the BlobCreated events funclocal's emulators
 * keep (the stand-in for the account's Event Grid topic) when its storage serves them: a poll
 * costs the blobs created since the last one, not the blobs present. As Azure's Event Grid
 * source, no receipts: each event runs once on the host holding the function's listener lock,
 * at least once across restarts (the cursor is saved below every unfinished event), and an event
 * whose blob was deleted or overwritten since does nothing (the overwrite has its own event). At
 * its first start, and when events were lost (the emulators restarted), the container is
 * scanned once with receipts as above. Other storage: polled as above (docs/funclocal.md).
 */
export class BlobTriggerKind implements TriggerKind {
  readonly name = 'blob';
  readonly triggerTypes = ['blobtrigger'] as const;
  private readonly work = new WorkTracker();
  private watches: BlobWatch[] = [];
  private host?: HostContext;
  private receipts?: BlobReceiptStore;
  private cursors?: BlobEventCursorStore;
  private loop?: Promise<void>;
  private maxTries = 5;
  private parallelism = 8;
  private pollMs = 1000;

  check(fn: FunctionRegistration, host: HostContext): void {
    blobTriggerOf(fn, host);
  }

  async start(functions: FunctionRegistration[], host: HostContext): Promise<void> {
    this.host = host;
    const blobs = (((host.config.raw.extensions ?? {}) as Record<string, unknown>).blobs ?? {}) as Record<string, unknown>;
    this.maxTries = positive(blobs.maxDequeueCount, 5);
    this.parallelism = positive(blobs.maxDegreeOfParallelism, 8);
    this.pollMs = positive(Number(host.settings.FUNCLOCAL_BLOB_POLL_MS), 1000);
    const hosts = blobServiceFor(host.storageConnectionString).getContainerClient(HOSTS_CONTAINER);
    for (const fn of functions) {
      const { pattern, connection } = blobTriggerOf(fn, host);
      const container = blobServiceFor(connection).getContainerClient(pattern.container);
      const source = fn.trigger.binding.source === 'EventGrid' ? 'EventGrid' : 'LogsAndContainerScan';
      const feed = source === 'EventGrid' ? await BlobEventFeed.probe(blobServiceFor(connection)) : undefined;
      const events: EventWatch | undefined = feed && {
        feed, lock: new ListenerLock(hosts, `locks/${host.hostId}/${fn.name}.EventGridListener`), readUpTo: 0, open: new Set(), retry: [], waitingLogged: false,
      };
      this.watches.push({ fn, pattern, connection, container, seen: new Map(), active: new Set(), primed: false, source, events });
      host.logger.log('information', source !== 'EventGrid' ? `Blob trigger on ${pattern.path} (poll every ${this.pollMs} ms)`
        : events ? `Blob trigger on ${pattern.path} (source EventGrid: no Event Grid locally, delivered from the emulators' BlobCreated events, read every ${this.pollMs} ms)`
          : `Blob trigger on ${pattern.path} (source EventGrid: no Event Grid locally, delivered from this host's change detection, poll every ${this.pollMs} ms)`, { functionName: fn.name });
    }
    this.receipts = new BlobReceiptStore(hosts, host.hostId);
    this.cursors = new BlobEventCursorStore(hosts, host.hostId);
    this.loop = this.pollForever();
  }

  async stop(): Promise<void> {
    const left = await this.work.stop(STOP_GRACE_MS);
    await this.loop;
    for (const watch of this.watches) {
      if (!watch.events?.lock.held) continue;
      // What finished since the last poll is not run again after a clean restart.
      await this.saveCursor(watch, watch.events).catch(() => undefined);
      await watch.events.lock.release();
    }
    if (left > 0) this.host?.logger.log('warning', `Stopped with ${left} blob invocation(s) still running; their receipts stay incomplete and fire again on the next start.`);
  }

  private async pollForever(): Promise<void> {
    while (!this.work.stopping) {
      for (const watch of this.watches) {
        if (this.work.stopping) break;
        try {
          await (watch.events ? this.pollEvents(watch, watch.events) : this.poll(watch));
        } catch (e) {
          this.host!.logger.log('warning', `Polling ${watch.pattern.container} failed: ${(e as Error).message}`, { functionName: watch.fn.name });
        }
      }
      await this.work.sleep(this.pollMs);
    }
  }

  /** `createdBefore`: blobs last written before this time (ms) are known to be handled and are only remembered. */
  private async poll(watch: BlobWatch, createdBefore?: number): Promise<void> {
    const listed = new Set<string>();
    try {
      for await (const item of watch.container.listBlobsFlat({ prefix: watch.pattern.prefix, includeMetadata: true })) {
        if (this.work.stopping) return;
        listed.add(item.name);
        // Listings give the ETag bare, headers quoted: use the quoted (HTTP) form everywhere.
        const etag = `"${(item.properties.etag ?? '').replace(/"/g, '')}"`;
        const key = `${item.name}@${etag}`;
        if (watch.seen.get(item.name) === etag || watch.active.has(key)) continue;
        if (createdBefore !== undefined && item.properties.lastModified.getTime() < createdBefore) {
          watch.seen.set(item.name, etag);
          continue;
        }
        const values = watch.pattern.match(item.name);
        if (!values) {
          watch.seen.set(item.name, etag);
          continue;
        }
        await this.work.whenBelow(this.parallelism);
        if (this.work.stopping) return;
        watch.active.add(key);
        void this.work.track(() => this.process(watch, item, etag, values)
          .catch((e: unknown) => {
            // Storage trouble, not the function's: the receipt stays incomplete and the next poll tries again.
            this.host!.logger.log('warning', `Blob ${watch.container.containerName}/${item.name}: ${(e as Error).message}; will try again`, { functionName: watch.fn.name });
          })
          .finally(() => watch.active.delete(key)));
      }
    } catch (e) {
      // A container that does not exist yet simply has no blobs.
      if (!isStorageError(e, 404)) throw e;
    }
    // Deleted blobs are forgotten (a blob written again under the name has a new ETag anyway).
    for (const name of watch.seen.keys()) if (!listed.has(name)) watch.seen.delete(name);
    watch.primed = true;
  }

  /** Reads the events created since the last read and runs the function for each one that matches. */
  private async pollEvents(watch: BlobWatch, ev: EventWatch): Promise<void> {
    const scope = { functionName: watch.fn.name };
    if (!ev.lock.held) {
      ev.epoch = undefined;
      if (!(await ev.lock.tryAcquire())) {
        if (!ev.waitingLogged) this.host!.logger.log('information', 'Another host of this app reads these blob events; waiting for its lock', scope);
        ev.waitingLogged = true;
        return;
      }
    }
    if (ev.epoch === undefined) await this.startEvents(watch, ev);
    const retry = ev.retry.splice(0);
    const readAt = Date.now();
    const page = await ev.feed.read(ev.readUpTo, [watch.container.containerName], EVENTS_PER_READ);
    if (page.epoch !== ev.epoch || page.first > ev.readUpTo + 1) {
      this.host!.logger.log('warning', `Blob events of ${watch.container.containerName} were lost (the emulators restarted or this host fell too far behind); scanning the container once`, scope);
      ev.retry.push(...retry);
      ev.epoch = undefined;
      return;
    }
    for (const e of [...retry, ...page.events]) {
      const values = e.name.startsWith(watch.pattern.prefix) ? watch.pattern.match(e.name) : undefined;
      if (values) {
        await this.work.whenBelow(this.parallelism);
        if (this.work.stopping) return;
        ev.open.add(e.seq);
        void this.work.track(() => this.processEvent(watch, e, values)
          .then((finished) => { if (finished) ev.open.delete(e.seq); }, (err: unknown) => {
            this.host!.logger.log('warning', `Blob ${e.container}/${e.name}: ${(err as Error).message}; will try again`, scope);
            ev.retry.push(e);
          }));
      }
      if (e.seq > ev.readUpTo) ev.readUpTo = e.seq;
    }
    ev.readUpTo = Math.max(ev.readUpTo, page.next);
    if (ev.open.size === 0 && watch.active.size === 0 && page.events.length < EVENTS_PER_READ) ev.handledBefore = readAt;
    await this.saveCursor(watch, ev);
  }

  /**
   * Saved below every unfinished event, so a restart runs those again (at least once) and never
   * skips one; with the time before which every blob is handled, which the scan after a restart
   * of the emulators skips. Written only when it moved: once per poll at most, not per event.
   */
  private async saveCursor(watch: BlobWatch, ev: EventWatch): Promise<void> {
    const below = ev.open.size > 0 ? Math.min(...ev.open) - 1 : ev.readUpTo;
    if (below === ev.saved || ev.epoch === undefined) return;
    await this.cursors!.save(watch.fn.functionId, { epoch: ev.epoch, seq: below, ...(ev.handledBefore !== undefined ? { handledBefore: ev.handledBefore } : {}) });
    ev.saved = below;
  }

  /** Resumes from the saved cursor, or (first start, events lost) from the feed's head after one scan with receipts. */
  private async startEvents(watch: BlobWatch, ev: EventWatch): Promise<void> {
    const head = await ev.feed.head();
    const saved = await this.cursors!.load(watch.fn.functionId);
    ev.epoch = head.epoch;
    // What was open or to be retried comes again: from the feed after the saved cursor, or from the scan.
    ev.open.clear();
    ev.retry.length = 0;
    ev.handledBefore = saved?.handledBefore;
    if (saved && saved.epoch === head.epoch && saved.seq >= head.first - 1) {
      ev.readUpTo = saved.seq;
      ev.saved = saved.seq;
      return;
    }
    ev.readUpTo = head.next;
    // Last-Modified has whole seconds: a blob of the same second as the last read fires again (at least once).
    await this.poll(watch, saved?.handledBefore === undefined ? undefined : saved.handledBefore - 1000);
  }

  /** One BlobCreated event: the blob as it is now, if it is still the version created. False: the host stopped first. */
  private async processEvent(watch: BlobWatch, e: BlobCreated, values: Record<string, string>): Promise<boolean> {
    const blob = watch.container.getBlobClient(e.name);
    const item: TriggerBlob = { name: e.name, properties: { etag: e.eTag, contentLength: e.contentLength, blobType: e.blobType as BlobItem['properties']['blobType'] } };
    if (e.contentLength > bufferConstants.MAX_LENGTH) {
      this.host!.logger.log('error', `Blob ${e.container}/${e.name} is ${e.contentLength} bytes, more than one Node buffer holds (${bufferConstants.MAX_LENGTH}); sent to ${BLOB_POISON_QUEUE}`, { functionName: watch.fn.name });
      await this.poison(watch, item, e.eTag);
      return true;
    }
    let read: { item: TriggerBlob; bytes: Buffer };
    try {
      read = await downloadWithProperties(blob, e.name, e.eTag);
    } catch (err) {
      // Deleted, or overwritten (that version has its own event): nothing to run, as in Azure.
      if (isStorageError(err, 404) || isStorageError(err, 412)) return true;
      throw err;
    }
    return this.deliver(watch, read.item, e.eTag, values, read.bytes);
  }

  private async process(watch: BlobWatch, item: BlobItem, etag: string, values: Record<string, string>): Promise<void> {
    const { container } = watch;
    const log = this.host!.logger;
    const scope = { functionName: watch.fn.name };
    const receiptName = this.receipts!.receiptName(watch.fn.functionId, etag, container.containerName, item.name);
    // A name first seen after the first listing is a new blob: its receipt cannot exist yet, so
    // the look-up is skipped (claim() still finds a completed one, from another host, and stops).
    const maybeDone = !watch.primed || watch.seen.has(item.name);
    if (maybeDone && await this.receipts!.isCompleted(receiptName)) {
      watch.seen.set(item.name, etag);
      return;
    }
    const claim = await this.receipts!.claim(receiptName);
    if (claim.state === 'completed') watch.seen.set(item.name, etag);
    if (claim.state !== 'claimed') return;

    if ((item.properties.contentLength ?? 0) > bufferConstants.MAX_LENGTH) {
      // The function gets the blob as one byte array, which Node cannot hold beyond this size: it can never succeed.
      log.log('error', `Blob ${container.containerName}/${item.name} is ${item.properties.contentLength} bytes, more than one Node buffer holds (${bufferConstants.MAX_LENGTH}); sent to ${BLOB_POISON_QUEUE}`, scope);
      await this.poison(watch, item, etag);
      await claim.receipt.complete();
      watch.seen.set(item.name, etag);
      return;
    }
    const blob = container.getBlobClient(item.name);
    let bytes: Buffer;
    try {
      bytes = await blob.downloadToBuffer(0, undefined, { conditions: { ifMatch: etag } });
    } catch (e) {
      await claim.receipt.release();
      // 412/404: this version was overwritten or deleted meanwhile; the next poll sees what is there now.
      if (isStorageError(e, 412) || isStorageError(e, 404)) return;
      throw e;
    }
    if (!(await this.deliver(watch, item, etag, values, bytes))) {
      await claim.receipt.release();
      return;
    }
    await claim.receipt.complete();
    watch.seen.set(item.name, etag);
  }

  /**
   * Runs the function on the blob, up to `maxTries` times, then posts it to the poison queue.
   * False when the host stopped between tries (the blob runs again after a restart).
   */
  private async deliver(watch: BlobWatch, item: TriggerBlob, etag: string, values: Record<string, string>, bytes: Buffer): Promise<boolean> {
    const { fn, container } = watch;
    const log = this.host!.logger;
    const scope = { functionName: fn.name };
    const request = {
      inputData: [{ name: fn.trigger.name, data: { bytes } as TypedData }],
      triggerMetadata: blobTriggerMetadata(container.containerName, item, container.getBlobClient(item.name).url, etag, values),
    };
    let lastError: unknown;
    for (let attempt = 0; attempt < this.maxTries; attempt++) {
      if (this.work.stopping && attempt > 0) return false;
      try {
        await this.host!.invoker.invoke(fn, attempt === 0 ? request : {
          ...request,
          retryContext: { retryCount: attempt, maxRetryCount: this.maxTries - 1, exception: { message: (lastError as Error)?.message ?? String(lastError) } },
        });
        lastError = undefined;
        break;
      } catch (e) {
        lastError = e;
        log.log('warning', `Blob ${container.containerName}/${item.name} failed on try ${attempt + 1} of ${this.maxTries}`, scope);
        if (attempt + 1 < this.maxTries) await this.work.sleep(this.host!.config.visibilityTimeoutMs);
      }
    }
    if (lastError !== undefined) {
      await this.poison(watch, item, etag);
      log.log('error', `Blob ${container.containerName}/${item.name} failed ${this.maxTries} times; its coordinates went to queue ${BLOB_POISON_QUEUE}`, scope);
    }
    return true;
  }

  private async poison(watch: BlobWatch, item: TriggerBlob, etag: string): Promise<void> {
    const queue = queueServiceFor(watch.connection).getQueueClient(BLOB_POISON_QUEUE);
    await queue.createIfNotExists();
    const message = {
      Type: 'blob',
      FunctionId: watch.fn.functionId,
      BlobType: blobTypeName(item.properties.blobType),
      ContainerName: watch.container.containerName,
      BlobName: item.name,
      ETag: etag,
    };
    // Base64, as Azure's default queue messageEncoding, so a queue trigger on the poison queue reads it.
    await queue.sendMessage(Buffer.from(JSON.stringify(message)).toString('base64'));
  }
}

function blobTypeName(t: string | undefined): string {
  return t === 'PageBlob' ? 'PageBlob' : t === 'AppendBlob' ? 'AppendBlob' : 'BlockBlob';
}

/** Metadata Azure supplies with a blob trigger: BlobTrigger, Uri, Properties, Metadata and every placeholder. */
function blobTriggerMetadata(container: string, item: TriggerBlob, uri: string, etag: string, values: Record<string, string>): Record<string, TypedData> {
  const p = item.properties;
  const properties = {
    BlobType: blobTypeName(p.blobType),
    ContentLength: p.contentLength,
    Length: p.contentLength,
    ContentType: p.contentType,
    ContentEncoding: p.contentEncoding,
    ContentMD5: p.contentMD5 ? Buffer.from(p.contentMD5).toString('base64') : undefined,
    ETag: etag,
    CreatedOn: p.createdOn?.toISOString(),
    LastModified: p.lastModified?.toISOString(),
  };
  const metadata: Record<string, TypedData> = {
    BlobTrigger: { string: `${container}/${item.name}` },
    Uri: { string: uri },
    Properties: { json: JSON.stringify(properties) },
    Metadata: { json: JSON.stringify(item.metadata ?? {}) },
  };
  for (const [k, v] of Object.entries(values)) metadata[k] = { string: v };
  return metadata;
}

/** The blob's bytes and properties in one GET, only while it is still version `etag`. */
async function downloadWithProperties(blob: BlobClient, name: string, etag: string): Promise<{ item: TriggerBlob; bytes: Buffer }> {
  const res = await blob.download(0, undefined, { conditions: { ifMatch: etag } });
  const chunks: Buffer[] = [];
  for await (const chunk of res.readableStreamBody!) chunks.push(chunk as Buffer);
  const item: TriggerBlob = {
    name,
    metadata: res.metadata,
    properties: {
      blobType: res.blobType, contentLength: res.contentLength, contentType: res.contentType, contentEncoding: res.contentEncoding,
      contentMD5: res.contentMD5, etag: res.etag, createdOn: res.createdOn, lastModified: res.lastModified,
    },
  };
  return { item, bytes: Buffer.concat(chunks) };
}

function positive(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

/** The function's blob path pattern and connection, or a throw naming what is wrong. */
function blobTriggerOf(fn: FunctionRegistration, host: HostContext): { pattern: BlobPathPattern; connection: string } {
  const where = `Function "${fn.name}"`;
  const path = resolveSettingExpressions(String(fn.trigger.binding.path ?? ''), host.settings, where);
  return { pattern: BlobPathPattern.parse(path, where), connection: host.connectionString(fn.trigger.binding.connection as string | undefined) };
}
