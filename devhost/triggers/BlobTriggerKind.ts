import { constants as bufferConstants } from 'node:buffer';
import { BlobItem, ContainerClient } from '@azure/storage-blob';
import { FunctionRegistration } from '../core/FunctionRegistration';
import { HostContext, TriggerKind } from '../core/HostContext';
import { resolveSettingExpressions } from '../core/HostConfig';
import { TypedData } from '../core/TypedData';
import { BlobPathPattern } from './BlobPathPattern';
import { BlobReceiptStore, HOSTS_CONTAINER } from './BlobReceiptStore';
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
  /** `EventGrid` or `LogsAndContainerScan` (the registration's `source`); both are served by this poller here. */
  source: string;
}

/**
 * Blob triggers by polling: each function's container is listed (with the fixed prefix of its
 * path) every poll interval; a blob version (ETag) not yet seen is claimed through a receipt,
 * read, and handed to the function; up to `extensions.blobs.maxDequeueCount` tries (5), then
 * its coordinates go to the poison queue and the receipt is completed so it stops.
 * A registration with `source: 'EventGrid'` is served the same way: there is no Event Grid
 * locally, so this host's own change detection stands in for the BlobCreated events (docs/funclocal.md).
 * What one poll costs is the blobs present under the prefix (an app that deletes what it has
 * processed, as the merge does with `hrl`, keeps that small); what the host remembers is bounded
 * by the same, since names no longer listed are forgotten.
 */
export class BlobTriggerKind implements TriggerKind {
  readonly name = 'blob';
  readonly triggerTypes = ['blobtrigger'] as const;
  private readonly work = new WorkTracker();
  private watches: BlobWatch[] = [];
  private host?: HostContext;
  private receipts?: BlobReceiptStore;
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
    for (const fn of functions) {
      const { pattern, connection } = blobTriggerOf(fn, host);
      const container = blobServiceFor(connection).getContainerClient(pattern.container);
      const source = fn.trigger.binding.source === 'EventGrid' ? 'EventGrid' : 'LogsAndContainerScan';
      this.watches.push({ fn, pattern, connection, container, seen: new Map(), active: new Set(), primed: false, source });
      host.logger.log('information', source === 'EventGrid'
        ? `Blob trigger on ${pattern.path} (source EventGrid: no Event Grid locally, delivered from this host's change detection, poll every ${this.pollMs} ms)`
        : `Blob trigger on ${pattern.path} (poll every ${this.pollMs} ms)`, { functionName: fn.name });
    }
    this.receipts = new BlobReceiptStore(blobServiceFor(host.storageConnectionString).getContainerClient(HOSTS_CONTAINER), host.hostId);
    this.loop = this.pollForever();
  }

  async stop(): Promise<void> {
    const left = await this.work.stop(STOP_GRACE_MS);
    await this.loop;
    if (left > 0) this.host?.logger.log('warning', `Stopped with ${left} blob invocation(s) still running; their receipts stay incomplete and fire again on the next start.`);
  }

  private async pollForever(): Promise<void> {
    while (!this.work.stopping) {
      for (const watch of this.watches) {
        if (this.work.stopping) break;
        try {
          await this.poll(watch);
        } catch (e) {
          this.host!.logger.log('warning', `Polling ${watch.pattern.container} failed: ${(e as Error).message}`, { functionName: watch.fn.name });
        }
      }
      await this.work.sleep(this.pollMs);
    }
  }

  private async poll(watch: BlobWatch): Promise<void> {
    const listed = new Set<string>();
    try {
      for await (const item of watch.container.listBlobsFlat({ prefix: watch.pattern.prefix, includeMetadata: true })) {
        if (this.work.stopping) return;
        listed.add(item.name);
        // Listings give the ETag bare, headers quoted: use the quoted (HTTP) form everywhere.
        const etag = `"${(item.properties.etag ?? '').replace(/"/g, '')}"`;
        const key = `${item.name}@${etag}`;
        if (watch.seen.get(item.name) === etag || watch.active.has(key)) continue;
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

  private async process(watch: BlobWatch, item: BlobItem, etag: string, values: Record<string, string>): Promise<void> {
    const { fn, container } = watch;
    const log = this.host!.logger;
    const scope = { functionName: fn.name };
    const receiptName = this.receipts!.receiptName(fn.functionId, etag, container.containerName, item.name);
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
    const request = {
      inputData: [{ name: fn.trigger.name, data: { bytes } as TypedData }],
      triggerMetadata: blobTriggerMetadata(container.containerName, item, blob.url, etag, values),
    };
    let lastError: unknown;
    for (let attempt = 0; attempt < this.maxTries; attempt++) {
      if (this.work.stopping && attempt > 0) {
        await claim.receipt.release();
        return;
      }
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
    await claim.receipt.complete();
    watch.seen.set(item.name, etag);
  }

  private async poison(watch: BlobWatch, item: BlobItem, etag: string): Promise<void> {
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
function blobTriggerMetadata(container: string, item: BlobItem, uri: string, etag: string, values: Record<string, string>): Record<string, TypedData> {
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

function positive(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

/** The function's blob path pattern and connection, or a throw naming what is wrong. */
function blobTriggerOf(fn: FunctionRegistration, host: HostContext): { pattern: BlobPathPattern; connection: string } {
  const where = `Function "${fn.name}"`;
  const path = resolveSettingExpressions(String(fn.trigger.binding.path ?? ''), host.settings, where);
  return { pattern: BlobPathPattern.parse(path, where), connection: host.connectionString(fn.trigger.binding.connection as string | undefined) };
}
