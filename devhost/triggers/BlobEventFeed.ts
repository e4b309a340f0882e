import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { isStorageError } from './StorageClients';

/** The emulators' BlobCreated feed (devhost/emulators/azuriteBlobEvents.ts): the query it answers. */
const BLOB_EVENTS_COMP = 'x-funclocal-blob-events';
/** `after` past any seq: the answer is only the feed's head. */
const HEAD = Number.MAX_SAFE_INTEGER;

export interface BlobCreated {
  seq: number;
  container: string;
  name: string;
  eTag: string;
  contentLength: number;
  blobType: string;
}

export interface FeedPage {
  /** Changes when the emulators restart: a cursor of another epoch means nothing. */
  epoch: string;
  /** Oldest seq still kept; a cursor below `first - 1` lost events. */
  first: number;
  /** Read after this next time. */
  next: number;
  events: BlobCreated[];
}

/**
 * Reads the BlobCreated events of one storage account from funclocal's emulators, the local
 * stand-in for the account's Event Grid system topic. Real Azure storage and plain Azurite do not
 * serve it: `probe` answers undefined and the trigger polls instead.
 */
export class BlobEventFeed {
  private constructor(private readonly url: string) {}

  static async probe(service: BlobServiceClient): Promise<BlobEventFeed | undefined> {
    const feed = new BlobEventFeed(service.url.replace(/\/?$/, ''));
    try {
      const page = await feed.read(HEAD, [], 0);
      return typeof page.epoch === 'string' ? feed : undefined;
    } catch {
      return undefined;
    }
  }

  head(): Promise<FeedPage> {
    return this.read(HEAD, [], 0);
  }

  async read(after: number, containers: string[], max: number): Promise<FeedPage> {
    const q = new URLSearchParams({ comp: BLOB_EVENTS_COMP, after: String(after), max: String(max) });
    if (containers.length > 0) q.set('containers', containers.join(','));
    const res = await fetch(`${this.url}?${q}`, { signal: AbortSignal.timeout(30_000) });
    if (!res.ok || !/json/.test(res.headers.get('content-type') ?? '')) {
      await res.body?.cancel();
      throw new Error(`the blob event feed answered ${res.status}`);
    }
    return await res.json() as FeedPage;
  }
}

export interface BlobEventCursor {
  epoch: string;
  /** Every event up to this seq is handled. */
  seq: number;
  /** When saved with nothing open: every blob created before this time (ms) is handled. */
  handledBefore?: number;
}

/** Where a function's feed cursor is kept: `azure-webjobs-hosts/blobevents/{hostId}/{functionId}`, so a restarted host resumes. */
export class BlobEventCursorStore {
  constructor(private readonly hosts: ContainerClient, private readonly hostId: string) {}

  private blob(functionId: string) {
    return this.hosts.getBlockBlobClient(`blobevents/${this.hostId}/${functionId}`);
  }

  async load(functionId: string): Promise<BlobEventCursor | undefined> {
    try {
      const parsed = JSON.parse((await this.blob(functionId).downloadToBuffer()).toString('utf8')) as Partial<BlobEventCursor>;
      if (typeof parsed.epoch !== 'string' || typeof parsed.seq !== 'number') return undefined;
      return { epoch: parsed.epoch, seq: parsed.seq, ...(typeof parsed.handledBefore === 'number' ? { handledBefore: parsed.handledBefore } : {}) };
    } catch (e) {
      if (isStorageError(e, 404)) return undefined;
      throw e;
    }
  }

  async save(functionId: string, cursor: BlobEventCursor): Promise<void> {
    const text = JSON.stringify(cursor);
    await this.blob(functionId).upload(text, Buffer.byteLength(text));
  }
}
