import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ServiceError } from '../errors';

/**
 * A base64 secret from the app setting `name` (in Azure: a Key Vault reference). Only in local
 * mode (`ASR_AUTH_MODE=local`) does a missing setting fall back to a random secret kept in the
 * data directory, created on first use: every instance of a real deployment must share the
 * same secret, and a per-instance file would silently break that.
 */
export function secretFromEnv(name: string, fileName: string, bytes: number, env: NodeJS.ProcessEnv = process.env): Buffer {
  const value = env[name];
  if (value) return Buffer.from(value, 'base64');
  if ((env.ASR_AUTH_MODE || '').toLowerCase() !== 'local') {
    throw new ServiceError('InvalidConfiguration', `set ${name} to a base64 secret of ${bytes} random bytes (e.g. \`openssl rand -base64 ${bytes}\`), shared by every instance of the app`);
  }
  const file = join(env.ASR_DATA_DIR || '.data', 'secrets', fileName);
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    try {
      writeFileSync(file, randomBytes(bytes).toString('base64'), { mode: 0o600, flag: 'wx' });
    } catch {
      // another process created it first: use theirs
    }
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
}
