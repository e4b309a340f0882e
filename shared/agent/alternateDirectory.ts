import { stat } from 'node:fs/promises';
import { isAbsolute, normalize } from 'node:path';
import { ServiceError } from '../errors';

/**
 * Checks, on the primary host, the directory a CreateVmIfNotFound failback writes new disks to.
 * The service checked its shape only (absolute, not a URL); what it names is this host's, so
 * here: absolute by this host's rules, no NUL, no `..` segment, and an existing directory (the
 * operator prepares it; the agent never creates directories it was told about). Returns it
 * normalized.
 */
export async function checkAlternateDirectory(dir: string): Promise<string> {
  const refuse = (why: string) => new ServiceError('FailbackAlternateLocationInvalid',
    `the failback's alternate location ${JSON.stringify(dir)} ${why}; cancel the failback and start it again with --alternate naming an existing absolute directory on this host`);
  if (dir.includes('\0')) throw refuse('contains a NUL character');
  if (!isAbsolute(dir)) throw refuse('is not an absolute path on this host');
  if (dir.split(/[\\/]/).includes('..')) throw refuse('contains a ".." segment');
  const found = await stat(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
    throw err;
  });
  if (!found) throw refuse('does not exist on this host');
  if (!found.isDirectory()) throw refuse('is not a directory');
  return normalize(dir);
}
