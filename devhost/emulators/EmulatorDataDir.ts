import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ServiceError } from '../../shared/errors';
import { isProcessAlive } from '../../shared/os/isProcessAlive';

/** The layout of a data directory: `azurite/` (Azurite's own files) and `cosmos/` (the journal). */
export interface EmulatorDataDir {
  azurite: string;
  cosmos: string;
  /** Releases the directory lock. */
  release(): Promise<void>;
}

function unusable(dir: string, err: unknown): ServiceError {
  const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  return new ServiceError('DataDirUnusable',
    `data directory ${dir} is unusable (${code}); give a writable directory with --data`,
    { cause: err, details: { dir } });
}

/**
 * Creates the layout and takes `emulators.lock` (holding our pid) so that two emulators never
 * write the same files. A lock left by a process that no longer runs (killed) is taken over.
 */
export async function openEmulatorDataDir(dir: string): Promise<EmulatorDataDir> {
  const azurite = join(dir, 'azurite');
  const cosmos = join(dir, 'cosmos');
  const lock = join(dir, 'emulators.lock');
  try {
    await mkdir(azurite, { recursive: true });
    await mkdir(cosmos, { recursive: true });
  } catch (err) {
    throw unusable(dir, err);
  }
  for (let attempt = 0; ; attempt += 1) {
    try {
      const fh = await open(lock, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw unusable(dir, err);
      const holder = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
      // Our own pid counts as live too: a second in-process start on the same directory.
      if (holder && isProcessAlive(holder)) {
        throw new ServiceError('DataDirInUse',
          `data directory ${dir} is in use by emulators process ${holder}; stop it or use another --data`,
          { details: { dir, pid: holder } });
      }
      await rm(lock, { force: true });
    }
  }
  // Prove we can write where Azurite will (a read-only dir passes mkdir when it exists).
  try {
    await writeFile(join(azurite, '.probe'), '');
    await rm(join(azurite, '.probe'));
  } catch (err) {
    await rm(lock, { force: true });
    throw unusable(dir, err);
  }
  return { azurite, cosmos, release: () => rm(lock, { force: true }) };
}
