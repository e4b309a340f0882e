import { ServiceError } from '../errors';

/** How long the credentials of the site flow live, and how far ahead a site may upload. */
export interface SiteSettings {
  /** Lifetime of a registration key (`ASR_SITE_REGISTRATION_KEY_MINUTES`, default 60). */
  registrationKeyMinutes: number;
  /** Lifetime of one log upload URL (`ASR_SITE_UPLOAD_URL_MINUTES`, default 10). */
  uploadUrlMinutes: number;
  /** How many sequences past the last merged one a site may get URLs for (`ASR_SITE_UPLOAD_WINDOW`, default 256). */
  uploadWindow: number;
  /**
   * How upload URLs are signed (`ASR_SITE_SAS_SIGNING`): `accountKey` (a service SAS with the
   * storage account key: Azurite, or an account with shared keys) or `userDelegation` (a user
   * delegation SAS from the app's identity: Azure with shared keys disabled). Default:
   * `accountKey` when the storage connection string carries an `AccountKey`, else `userDelegation`.
   */
  signing?: 'accountKey' | 'userDelegation';
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ServiceError('InvalidConfiguration', `${name} must be an integer in ${min}..${max}, got ${raw}`);
  return n;
}

export function siteSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): SiteSettings {
  const signing = env.ASR_SITE_SAS_SIGNING;
  if (signing !== undefined && signing !== '' && signing !== 'accountKey' && signing !== 'userDelegation') {
    throw new ServiceError('InvalidConfiguration', `ASR_SITE_SAS_SIGNING must be accountKey or userDelegation, got ${signing}`);
  }
  return {
    registrationKeyMinutes: integer(env, 'ASR_SITE_REGISTRATION_KEY_MINUTES', 60, 1, 7 * 24 * 60),
    uploadUrlMinutes: integer(env, 'ASR_SITE_UPLOAD_URL_MINUTES', 10, 1, 60),
    uploadWindow: integer(env, 'ASR_SITE_UPLOAD_WINDOW', 256, 1, 1_000_000),
    ...(signing ? { signing } : {}),
  };
}
