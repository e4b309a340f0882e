import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { FailbackReadySchema } from '../contracts/FailbackTransfers';
import { STATE_DIR_MODE, writeDurably } from './AgentStateStore';

/**
 * The agent's journal of one failback round, `{stateDir}/{vault}/{item}/failback/{jobId}.{round}/`:
 *
 * | file                 | written                         | what |
 * |----------------------|---------------------------------|------|
 * | `{disk}.digests`     | before the digests are reported | the source disk's digests (to verify the disk after applying) |
 * | `{disk}.hrl`         | once ready.json is there        | the delta log as downloaded, checked whole |
 * | `journal.json`       | after every log, fsynced        | the commit point: from here the round is applied, again after a crash |
 * | `applied.json`       | after the disks are flushed and verified | the round is done on this side |
 *
 * Every file is written to a temporary name, fsynced and renamed, and the directory fsynced,
 * so after a crash a file is either whole or absent.
 */
export const FailbackJournalSchema = z.object({
  jobId: z.string(),
  round: z.number().int().positive(),
  ready: FailbackReadySchema,
  disks: z.array(z.object({
    diskId: z.string(),
    /** The file the blocks go to. */
    path: z.string(),
    /** CreateVmIfNotFound: the file is made as `{path}.partial` and renamed once whole. */
    create: z.boolean(),
    virtualSize: z.number().int().positive(),
  })),
});
export type FailbackJournalEntry = z.infer<typeof FailbackJournalSchema>;

export class FailbackJournal {
  readonly dir: string;

  constructor(itemDir: string, jobId: string, round: number) {
    this.dir = join(itemDir, 'failback', `${jobId}.${round}`);
  }

  async ensure(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: STATE_DIR_MODE });
  }

  digestsPath(diskId: string): string {
    return join(this.dir, `${diskId}.digests`);
  }

  logPath(diskId: string): string {
    return join(this.dir, `${diskId}.hrl`);
  }

  async write(name: string, data: Uint8Array | string): Promise<void> {
    await this.ensure();
    await writeDurably(join(this.dir, name), data);
    await syncDir(this.dir);
  }

  async read(name: string): Promise<Buffer | undefined> {
    try {
      return await readFile(join(this.dir, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async entry(): Promise<FailbackJournalEntry | undefined> {
    const buf = await this.read('journal.json');
    return buf && FailbackJournalSchema.parse(JSON.parse(buf.toString('utf8')));
  }

  /** Drops the logs and digests once the round is applied; applied.json stays as the round's receipt. */
  async prune(diskIds: string[]): Promise<void> {
    for (const d of diskIds) {
      await rm(this.logPath(d), { force: true });
      await rm(this.digestsPath(d), { force: true });
    }
  }
}

/** fsync of a directory: makes a rename in it durable. */
export async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}
