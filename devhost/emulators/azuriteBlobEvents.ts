import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * Azurite's BlobCreated events, kept in memory and read over the blob port: the stand-in for a
 * storage account's Event Grid system topic that funclocal's `source: 'EventGrid'` blob trigger
 * reads instead of listing the container (devhost/triggers/BlobEventFeedClient.ts).
 *
 *   GET {blob endpoint}/{account}?comp=x-funclocal-blob-events&after={seq}&containers=a,b&max=n
 *   → { epoch, first, next, events: [{ seq, container, name, eTag, contentLength, blobType, api }] }
 *
 * `epoch` changes when the emulators restart (the events are not persisted), `first` is the
 * oldest event still kept (a reader behind it lost events), `next` the seq to read after next time.
 */
export const BLOB_EVENTS_COMP = 'x-funclocal-blob-events';
/** Events kept per process; at ≈ 100 bytes each, a few MiB. A reader further behind falls back to a scan. */
const KEEP = 50_000;
const MAX_PAGE = 5_000;

export interface BlobCreatedEvent {
  seq: number;
  account: string;
  container: string;
  name: string;
  eTag: string;
  contentLength: number;
  blobType: string;
  /** Event Grid's `data.api`: PutBlob, PutBlockList, CopyBlob. */
  api: string;
}

interface BlobDoc { accountName: string; containerName: string; name: string; snapshot?: string; properties?: { etag?: string; contentLength?: number; blobType?: string } }
interface LokiCollectionLike { findOne(q: object): BlobDoc | null }
interface MetadataStoreLike { db: { getCollection(n: string): LokiCollectionLike }; BLOBS_COLLECTION: string }

export class BlobEventLog {
  readonly epoch = randomUUID();
  private events: BlobCreatedEvent[] = [];
  private seq = 0;

  record(e: Omit<BlobCreatedEvent, 'seq'>): void {
    this.events.push({ ...e, seq: ++this.seq });
    if (this.events.length > KEEP * 1.25) this.events = this.events.slice(-KEEP);
  }

  /** Events of `account` after `after`, only of `containers` when given. */
  read(account: string, after: number, containers: Set<string> | undefined, max: number) {
    const first = this.events[0]?.seq ?? this.seq + 1;
    // Seqs are dense: the event after `after` sits at a known index.
    let i = Math.max(0, after + 1 - first);
    const out: BlobCreatedEvent[] = [];
    let next = Math.max(after, first - 1);
    for (; i < this.events.length && out.length < max; i++) {
      const e = this.events[i];
      next = e.seq;
      if (e.account === account && (!containers || containers.has(e.container))) out.push(e);
    }
    if (i >= this.events.length) next = this.seq;
    return { epoch: this.epoch, first, next, events: out };
  }
}

/**
 * Records a BlobCreated event after each successful Put Blob (block, page or append blob), Put
 * Block List and Copy Blob of `server`'s metadata store, as Event Grid does, and answers the
 * feed's GET on the server's own port. Azurite ships no typings: the shapes used are declared above.
 */
export function installBlobEventFeed(server: { metadataStore: MetadataStoreLike; httpServer: Server }): BlobEventLog {
  const log = new BlobEventLog();
  const store = server.metadataStore as unknown as MetadataStoreLike & Record<string, (...a: unknown[]) => Promise<unknown>>;
  const recordDoc = (account: string, container: string, name: string, api: string) => {
    const doc = store.db.getCollection(store.BLOBS_COLLECTION).findOne({ accountName: account, containerName: container, name, snapshot: '' });
    if (!doc?.properties?.etag) return;
    log.record({ account, container, name, eTag: doc.properties.etag, contentLength: doc.properties.contentLength ?? 0, blobType: doc.properties.blobType ?? 'BlockBlob', api });
  };
  const wrap = (method: string, after: (args: unknown[]) => void) => {
    const original = store[method].bind(store);
    store[method] = async (...args: unknown[]) => {
      const r = await original(...args);
      after(args);
      return r;
    };
  };
  wrap('createBlob', (a) => { const b = a[1] as BlobDoc; if (!b.snapshot) recordDoc(b.accountName, b.containerName, b.name, 'PutBlob'); });
  wrap('commitBlockList', (a) => { const b = a[1] as BlobDoc; recordDoc(b.accountName, b.containerName, b.name, 'PutBlockList'); });
  for (const m of ['startCopyFromURL', 'copyFromURL']) {
    wrap(m, (a) => { const d = a[2] as { account: string; container: string; blob: string }; recordDoc(d.account, d.container, d.blob, 'CopyBlob'); });
  }

  const azurite = server.httpServer.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.httpServer.removeAllListeners('request');
  server.httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method !== 'GET' || url.searchParams.get('comp') !== BLOB_EVENTS_COMP) {
      for (const l of azurite) l.call(server.httpServer, req, res);
      return;
    }
    const account = url.pathname.split('/').filter(Boolean)[0] ?? '';
    const containers = url.searchParams.get('containers');
    const body = JSON.stringify(log.read(account, Number(url.searchParams.get('after') ?? 0) || 0,
      containers ? new Set(containers.split(',')) : undefined, Math.min(MAX_PAGE, Number(url.searchParams.get('max') ?? MAX_PAGE) || 0)));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  return log;
}
