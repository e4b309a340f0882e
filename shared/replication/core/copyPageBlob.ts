import type { PageBlobClient } from '@azure/storage-blob';
import { PageBlobWriter } from '../../disk';
import { writtenRanges } from './writtenRanges';

const CHUNK = 4 * 1024 * 1024;

export interface CopyPageBlobOptions {
  /**
   * `server` asks the storage service to copy (Azure: correct and fast); `client` reads the
   * written ranges and Put Pages them. Default: `client` against a storage emulator, else `server`.
   */
  mode?: 'server' | 'client';
}

/**
 * True for Azurite-style endpoints (the account name is the first path segment on loopback).
 * WARNING: Azurite 3.35 gives a server-side page-blob copy the SOURCE's page list by reference
 * (LokiBlobMetadataStore.startCopyFromURL), so every later Put Page on the copy also changes the
 * source: replaying the journal onto a disk copied from a recovery point rewrote the point.
 * Measured, and guarded by test/integration/replication/recoveryPoints.test.ts.
 */
export function isStorageEmulator(url: string): boolean {
  const u = new URL(url);
  return ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname) || u.hostname.endsWith('.localhost');
}

/**
 * Copies a page blob (or a snapshot of one) into `target`, replacing what was there, so the
 * caller may then write to `target` without touching the source.
 */
export async function copyPageBlob(source: PageBlobClient, target: PageBlobClient, options: CopyPageBlobOptions = {}): Promise<void> {
  const mode = options.mode ?? (isStorageEmulator(target.url) ? 'client' : 'server');
  if (mode === 'server') {
    const poller = await target.beginCopyFromURL(source.url);
    await poller.pollUntilDone();
    return;
  }
  const size = (await source.getProperties()).contentLength ?? 0;
  await target.create(size); // Put Blob: replaces any earlier content
  const writer = new PageBlobWriter(target, { maxInFlight: 4 });
  for (const r of await writtenRanges(source, size)) {
    for (let at = r.start; at < r.end; at += CHUNK) {
      const n = Math.min(CHUNK, r.end - at);
      await writer.write(at, await source.downloadToBuffer(at, n));
    }
  }
  await writer.flush();
}
