import { chmod, mkdir, open, readFile, rename, rm, readdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ServiceError } from '../errors';
import { AgentDiskState, AgentState, AgentStateSchema } from './AgentState';
import { DiskBlockTable } from './DiskBlockTable';
import { isProcessAlive } from '../os/isProcessAlive';

/** The state directory: `--state-dir`, else `ASR_AGENT_STATE_DIR`, else `~/.asr-agent`. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.ASR_AGENT_STATE_DIR || join(homedir(), '.asr-agent');
}

/** Directories of the state: only the agent's user may list or enter them (block digests, logs, the spool). */
export const STATE_DIR_MODE = 0o700;
/** Files of the state: only the agent's user may read them. */
export const STATE_FILE_MODE = 0o600;

/** Writes `path` whole or not at all: a temporary file, fsynced, then renamed over it. */
export async function writeDurably(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp`;
  const f = await open(tmp, 'w', STATE_FILE_MODE);
  try {
    await f.writeFile(data);
    await f.sync();
  } finally {
    await f.close();
  }
  await rename(tmp, path);
}

/**
 * The files of one protected item under the state directory:
 * `{stateDir}/{vault}/{item}/state.json` (the commit point), block tables
 * `{disk}.g{generation}.fp` / `.leaves`, and `outbox/{disk}/{seq}.hrl`, logs built but not
 * yet known to be uploaded. A cut commits by writing new-generation tables, then renaming
 * state.json over the old one; a crash before the rename leaves the previous cut intact.
 */
export class AgentStateStore {
  readonly dir: string;

  constructor(private readonly stateDir: string, private readonly vault: string, item: string) {
    this.dir = join(stateDir, vault, item);
  }

  get statePath(): string {
    return join(this.dir, 'state.json');
  }

  outboxPath(diskId: string, sequence: number): string {
    return join(this.dir, 'outbox', diskId, `${sequence}.hrl`);
  }

  spoolPath(diskId: string): string {
    return join(this.dir, 'spool', `${diskId}.bin`);
  }

  /**
   * Creates the item's directories owner-only (0700), and narrows those an older agent made
   * 0755: the state holds logs (plaintext for an unencrypted item) until they are acknowledged.
   */
  async ensureDirs(diskIds: string[]): Promise<void> {
    await this.ensureItemDir();
    await mkdir(join(this.dir, 'spool'), { recursive: true, mode: STATE_DIR_MODE });
    await chmod(join(this.dir, 'spool'), STATE_DIR_MODE);
    await mkdir(join(this.dir, 'outbox'), { recursive: true, mode: STATE_DIR_MODE });
    await chmod(join(this.dir, 'outbox'), STATE_DIR_MODE);
    for (const d of diskIds) {
      await mkdir(join(this.dir, 'outbox', d), { recursive: true, mode: STATE_DIR_MODE });
      await chmod(join(this.dir, 'outbox', d), STATE_DIR_MODE);
    }
  }

  /** The state root, the vault's and the item's directory, each 0700. */
  private async ensureItemDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: STATE_DIR_MODE });
    for (const d of [this.stateDir, join(this.stateDir, this.vault), this.dir]) await chmod(d, STATE_DIR_MODE);
  }

  /**
   * Takes the item's lock file (`lock`, holding this process id), so a `run` in the background
   * and a `sync` by hand cannot both ship the next sequence. A lock left by a dead process is
   * taken over. Returns the release function.
   */
  async lock(): Promise<() => Promise<void>> {
    await this.ensureItemDir();
    const path = join(this.dir, 'lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await writeFile(path, String(process.pid), { flag: 'wx', mode: STATE_FILE_MODE });
        return () => rm(path, { force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (holder && holder !== process.pid && isProcessAlive(holder)) {
        throw new ServiceError('AgentBusy', `another agent process (pid ${holder}) is working on this item (${this.dir}); stop it first, or wait for it to finish`);
      }
      await rm(path, { force: true });
    }
    throw new ServiceError('AgentBusy', `could not take the lock ${path}; another agent process is starting on this item`);
  }

  async load(): Promise<AgentState | undefined> {
    let text: string;
    try {
      text = await readFile(this.statePath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const parsed = AgentStateSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new ServiceError('AgentStateCorrupt', `${this.statePath} is not a valid agent state (${parsed.error.issues[0]?.message}); remove the item's state directory and protect again`);
    return parsed.data;
  }

  /** Loads state or explains that `asr agent protect` comes first. */
  async require(): Promise<AgentState> {
    const s = await this.load();
    if (!s) throw new ServiceError('NotProtected', `no agent state at ${this.statePath}; run 'asr agent protect' for this item first (or pass the same --state-dir)`);
    return s;
  }

  private tablePath(diskId: string, generation: number, kind: 'fp' | 'leaves'): string {
    return join(this.dir, `${diskId}.g${generation}.${kind}`);
  }

  async loadTable(disk: AgentDiskState): Promise<DiskBlockTable> {
    const [fp, leaves] = await Promise.all([
      readFile(this.tablePath(disk.diskId, disk.generation, 'fp')),
      readFile(this.tablePath(disk.diskId, disk.generation, 'leaves')),
    ]);
    return new DiskBlockTable(fp.length / 8, fp, leaves);
  }

  /** Writes a disk's tables as generation `generation` (not yet referenced until {@link commit}). */
  async saveTable(diskId: string, generation: number, table: DiskBlockTable): Promise<void> {
    await writeDurably(this.tablePath(diskId, generation, 'fp'), table.fingerprints);
    await writeDurably(this.tablePath(diskId, generation, 'leaves'), table.leaves);
  }

  /** Makes `state` the committed state, then removes table generations it no longer references. */
  async commit(state: AgentState): Promise<void> {
    await writeDurably(this.statePath, JSON.stringify(state, null, 2));
    const keep = new Set(state.disks.flatMap((d) => [`${d.diskId}.g${d.generation}.fp`, `${d.diskId}.g${d.generation}.leaves`]));
    for (const name of await readdir(this.dir)) {
      if (/\.g\d+\.(fp|leaves)(\.tmp)?$/.test(name) && !keep.has(name)) await rm(join(this.dir, name), { force: true });
    }
  }
}
