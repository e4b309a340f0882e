import { randomUUID } from 'node:crypto';
import type { JobDocument } from './MetadataDocuments';

/**
 * Cosmos DB refuses an item over 2 MB (UTF-8 JSON). A job document carries every task of its
 * job, about 1.7 KB per machine once recovered: a 2,000-machine plan's job reaches 3.4 MB
 * (issue 17). Above {@link JOB_SPILL_AT_BYTES} the store keeps the job's `properties.tasks` in
 * chunk documents beside it (the `jobTasks` container, same partition and TTL) and the job
 * names them; readers get the job whole. Chunks are written before the job that names them and
 * never changed: each write of a spilled job writes new ones (ids unique to that write), so a
 * reader holding an older version reads that version's chunks or, if they were removed since,
 * reads the job again; the chunks of the version replaced are removed after the replace.
 */
export const JOB_SPILL_AT_BYTES = 1024 * 1024;
/** UTF-8 bytes of tasks JSON per chunk: 1 MiB once in base64, well under the item limit. */
export const JOB_CHUNK_BYTES = 768 * 1024;

/** Where a spilled job's tasks are: the chunk documents, in order. */
export interface TasksSpill {
  chunks: string[];
  bytes: number;
}

export type SpillableJob = JobDocument<object> & { tasksSpill?: TasksSpill };

/** A piece of a spilled job's tasks (base64 of a slice of their UTF-8 JSON). */
export interface JobTasksChunkDocument {
  id: string;
  vaultKey: string;
  jobId: string;
  kind: 'jobTasksChunk';
  index: number;
  data: string;
  ttl?: number;
}

/** The job as stored and the chunks to write first; no chunks when it fits whole. */
export function spillJobTasks<D extends SpillableJob>(doc: D, limitBytes = JOB_SPILL_AT_BYTES, chunkBytes = JOB_CHUNK_BYTES): { stored: D; chunks: JobTasksChunkDocument[] } {
  const { tasksSpill: previous, ...rest } = doc;
  const whole = rest as D;
  const tasks = (doc.properties as { tasks?: unknown }).tasks;
  if (previous && previous.bytes > 2 && Array.isArray(tasks) && tasks.length === 0) {
    // The job as stored, not as read whole: writing it would drop its tasks.
    throw new Error(`job '${doc.id}' is written without the tasks it keeps in chunks; read it whole first`);
  }
  if (!Array.isArray(tasks) || Buffer.byteLength(JSON.stringify(whole)) <= limitBytes) return { stored: whole, chunks: [] };
  const json = Buffer.from(JSON.stringify(tasks));
  const write = randomUUID();
  const chunks: JobTasksChunkDocument[] = [];
  for (let at = 0, index = 0; at < json.length; at += chunkBytes, index++) {
    chunks.push({
      id: `${doc.id}|tasks|${write}|${index}`, vaultKey: doc.vaultKey, jobId: doc.id, kind: 'jobTasksChunk', index,
      data: json.subarray(at, at + chunkBytes).toString('base64'), ...(doc.ttl !== undefined ? { ttl: doc.ttl } : {}),
    });
  }
  const stored = { ...whole, properties: { ...doc.properties, tasks: [] }, tasksSpill: { chunks: chunks.map((c) => c.id), bytes: json.length } };
  return { stored, chunks };
}

/** The job with its tasks back from its chunks (given in the order the job names them). */
export function joinJobTasks<D extends SpillableJob>(stored: D, chunks: JobTasksChunkDocument[]): D {
  const json = Buffer.concat(chunks.map((c) => Buffer.from(c.data, 'base64')));
  if (json.length !== stored.tasksSpill?.bytes) throw new Error(`the tasks of job '${stored.id}' are ${json.length} bytes in their chunks, not ${stored.tasksSpill?.bytes}`);
  return { ...stored, properties: { ...stored.properties, tasks: JSON.parse(json.toString()) as unknown[] } };
}
