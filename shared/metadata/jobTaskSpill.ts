import { randomUUID } from 'node:crypto';
import type { JobDocument } from './MetadataDocuments';

/**
 * Cosmos DB refuses an item over 2 MB (UTF-8 JSON). A job document carries every task of its
 * job, about 1.7 KB per machine once recovered: a 2,000-machine plan's job reaches 3.4 MB
 * (issue 17). Above {@link JOB_SPILL_AT_BYTES} the store keeps the job's `properties.tasks` in
 * chunk documents beside it (the `jobTasks` container, same partition and TTL), consecutive
 * top-level tasks (a plan's groups with their machines) packed up to {@link JOB_CHUNK_BYTES}
 * each, and the job names them; readers get the job whole. Chunks are written before the job
 * that names them and never changed: each write of a spilled job writes new ones (ids unique
 * to that write), so a reader holding an older version reads that version's chunks or, if they
 * were removed since, reads the job again; the chunks of the version replaced are removed after
 * the replace.
 */
export const JOB_SPILL_AT_BYTES = 1024 * 1024;
/** JSON bytes of tasks per chunk (a task larger than this is a chunk of its own, up to the item limit). */
export const JOB_CHUNK_BYTES = 768 * 1024;

/** Where a spilled job's tasks are: the chunk documents, in order, and how many tasks in all. */
export interface TasksSpill {
  chunks: string[];
  tasks: number;
}

export type SpillableJob = JobDocument<object> & { tasksSpill?: TasksSpill };

/** Consecutive top-level tasks of a spilled job. */
export interface JobTasksChunkDocument {
  id: string;
  vaultKey: string;
  jobId: string;
  kind: 'jobTasksChunk';
  index: number;
  tasks: unknown[];
  ttl?: number;
}

/** The job as stored and the chunks to write first; no chunks when it fits whole. */
export function spillJobTasks<D extends SpillableJob>(doc: D, limitBytes = JOB_SPILL_AT_BYTES, chunkBytes = JOB_CHUNK_BYTES): { stored: D; chunks: JobTasksChunkDocument[] } {
  const { tasksSpill: previous, ...rest } = doc;
  const whole = rest as D;
  const tasks = (doc.properties as { tasks?: unknown }).tasks;
  if (previous && previous.tasks > 0 && Array.isArray(tasks) && tasks.length === 0) {
    // The job as stored, not as read whole: writing it would drop its tasks.
    throw new Error(`job '${doc.id}' is written without the tasks it keeps in chunks; read it whole first`);
  }
  if (!Array.isArray(tasks)) return { stored: whole, chunks: [] };
  // Each task is measured once; the job's size is the rest plus the tasks and their commas (the
  // same text JSON.stringify of the whole job makes), so a large job is not stringified twice.
  const sizes = tasks.map((task) => Buffer.byteLength(JSON.stringify(task)));
  const withoutTasks = Buffer.byteLength(JSON.stringify({ ...whole, properties: { ...doc.properties, tasks: [] } }));
  if (withoutTasks + sizes.reduce((a, b) => a + b, 0) + Math.max(0, tasks.length - 1) <= limitBytes) return { stored: whole, chunks: [] };
  const write = randomUUID();
  const groups: unknown[][] = [];
  let bytes = 0;
  for (const [i, task] of tasks.entries()) {
    const size = sizes[i];
    if (groups.length === 0 || bytes + size > chunkBytes) {
      groups.push([]);
      bytes = 0;
    }
    groups[groups.length - 1].push(task);
    bytes += size;
  }
  const chunks = groups.map((group, index): JobTasksChunkDocument => ({
    id: `${doc.id}|tasks|${write}|${index}`, vaultKey: doc.vaultKey, jobId: doc.id, kind: 'jobTasksChunk', index, tasks: group,
    ...(doc.ttl !== undefined ? { ttl: doc.ttl } : {}),
  }));
  const stored = { ...whole, properties: { ...doc.properties, tasks: [] }, tasksSpill: { chunks: chunks.map((c) => c.id), tasks: tasks.length } };
  return { stored, chunks };
}

/** The job with its tasks back from its chunks (given in the order the job names them). */
export function joinJobTasks<D extends SpillableJob>(stored: D, chunks: JobTasksChunkDocument[]): D {
  const tasks = chunks.flatMap((c) => c.tasks);
  if (tasks.length !== stored.tasksSpill?.tasks) throw new Error(`job '${stored.id}' names ${stored.tasksSpill?.tasks} tasks, its chunks hold ${tasks.length}`);
  return { ...stored, properties: { ...stored.properties, tasks } };
}

/** How many chunks a store keeps parsed (a 2,000-machine job has five); they never change, so a kept one is never stale. */
export const JOB_CHUNKS_KEPT = 16;

/**
 * Chunks by id, as read, frozen: a chunk is never rewritten (a new version of the job has new
 * chunk ids), so the readers of one version (each GET of a running job, each fold) parse it
 * once. Frozen so a reader that changed a shared task in place fails loudly instead of changing
 * what the next reader sees.
 */
export class JobChunkCache {
  private readonly chunks = new Map<string, JobTasksChunkDocument>();

  constructor(private readonly capacity = JOB_CHUNKS_KEPT) {}

  get(id: string): JobTasksChunkDocument | undefined {
    return this.chunks.get(id);
  }

  keep(chunk: JobTasksChunkDocument): JobTasksChunkDocument {
    freezeDeep(chunk);
    this.chunks.set(chunk.id, chunk);
    while (this.chunks.size > this.capacity) this.chunks.delete(this.chunks.keys().next().value!);
    return chunk;
  }
}

function freezeDeep(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const v of Object.values(value)) freezeDeep(v);
}
