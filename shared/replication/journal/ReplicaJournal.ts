import type { ContainerClient } from '@azure/storage-blob';
import { HrlHeader } from '../../hrl';
import { DiskRef } from '../../contracts/DiskRef';
import { journalBlob, journalPrefix, REPLICA_CONTAINERS } from '../../contracts/ReplicaBlobLayout';
import { ReplicationDeps } from '../core/ReplicationDeps';
import { ignoreGone, ignoreNotFound } from '../core/ignoreNotFound';

/** A merged log kept in `hrl-journal/` for any-point-in-time recovery. */
export interface JournalEntry {
  blobName: string;
  epoch: bigint;
  sequence: bigint;
  /** The log's cut time (from the `cuttime` metadata the merge wrote). */
  cutTimeMs: number;
}

const ENTRY = /\/(\d{20})\/(\d{20})\.hrl$/;

export function journalContainer(deps: ReplicationDeps): ContainerClient {
  return deps.blobs.getContainerClient(REPLICA_CONTAINERS.journal);
}

/**
 * Copies a pending log into the journal (server-side copy, same account) with its cut time and
 * consistency in metadata. Done before the log's pages are written, so every applied log is in
 * the journal; a replay copies it again, over the same bytes. With `sourceEtag` (bare) the copy
 * is made only from that version of the pending blob, so the journal holds the bytes the merge
 * validated; false when the blob is another version or gone (nothing was copied).
 */
export async function journalLog(deps: ReplicationDeps, disk: DiskRef, pendingBlobName: string, header: HrlHeader, sourceEtag?: string): Promise<boolean> {
  const source = deps.blobs.getContainerClient(REPLICA_CONTAINERS.pending).getBlobClient(pendingBlobName);
  const target = journalContainer(deps).getBlobClient(journalBlob(disk, header.epoch, header.sequence));
  const copy = async (): Promise<true> => {
    const poller = await target.beginCopyFromURL(source.url, {
      metadata: { cuttime: String(header.cutTimeMs), consistency: header.consistency, epoch: header.epoch.toString(), sequence: header.sequence.toString() },
      ...(sourceEtag ? { sourceConditions: { ifMatch: `"${sourceEtag}"` } } : {}),
    });
    await poller.pollUntilDone();
    return true;
  };
  return sourceEtag ? (await ignoreGone(copy())) ?? false : copy();
}

/** The disk's journal (one epoch, or all), ascending by epoch then sequence. */
export async function listJournal(deps: ReplicationDeps, disk: DiskRef, epoch?: bigint): Promise<JournalEntry[]> {
  const out: JournalEntry[] = [];
  for await (const b of journalContainer(deps).listBlobsFlat({ prefix: journalPrefix(disk, epoch), includeMetadata: true })) {
    const m = ENTRY.exec(b.name);
    if (!m) continue;
    out.push({ blobName: b.name, epoch: BigInt(m[1]), sequence: BigInt(m[2]), cutTimeMs: Number(b.metadata?.cuttime ?? NaN) });
  }
  return out; // names are zero-padded: lexical order is numeric order
}

export async function deleteJournalEntry(deps: ReplicationDeps, entry: JournalEntry): Promise<void> {
  await ignoreNotFound(journalContainer(deps).getBlobClient(entry.blobName).delete());
}
