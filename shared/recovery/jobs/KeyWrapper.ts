import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { secretFromEnv } from '../../config/secretFromEnv';
import { ServiceError } from '../../errors';

/**
 * Seals the disk key a failover request supplies so that it can ride through Durable Functions
 * history (kept in plain text in storage) without being readable there: AES-256-GCM under the
 * host's key-wrapping secret, with the job id as associated data (a sealed key opens only for
 * its own job). The secret comes from `RECOVERY_KEY_WRAP_SECRET` (32 bytes, base64) - in Azure
 * an app setting backed by Key Vault - and in local mode from a file in the data directory
 * created on first use (shared/config/secretFromEnv). Storage alone never holds enough to read a key.
 */
export class KeyWrapper {
  private readonly secret: Buffer;

  constructor(secret: Buffer) {
    if (secret.length !== 32) throw new ServiceError('InvalidConfiguration', 'the key-wrapping secret must be 32 bytes (base64 in RECOVERY_KEY_WRAP_SECRET)');
    this.secret = secret;
  }

  static fromEnv(env: NodeJS.ProcessEnv = process.env): KeyWrapper {
    return new KeyWrapper(secretFromEnv('RECOVERY_KEY_WRAP_SECRET', 'key-wrap.secret', 32, env));
  }

  wrap(key: Buffer, jobId: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.secret, iv);
    cipher.setAAD(Buffer.from(jobId, 'utf8'));
    const ct = Buffer.concat([cipher.update(key), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64url');
  }

  unwrap(wrapped: string, jobId: string): Buffer {
    const raw = Buffer.from(wrapped, 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.secret, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(jobId, 'utf8'));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
    } catch (err) {
      throw new ServiceError('KeyUnavailable', `the disk key sealed for job ${jobId} cannot be opened (the host's key-wrapping secret changed?); run the failover again with the key`, { cause: err });
    }
  }

  /** A short, non-secret name of the secret in use, for logs. */
  get id(): string {
    return createHash('sha256').update(this.secret).digest('hex').slice(0, 8);
  }
}
