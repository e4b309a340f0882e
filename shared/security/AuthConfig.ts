import { join } from 'node:path';

/** `entra`: tokens from a real issuer with a JWKS URL; `local`: the development issuer. */
export type AuthMode = 'entra' | 'local';

export interface AuthConfig {
  mode: AuthMode;
  issuer: string;
  audience: string;
  /** JWKS URL of the issuer (entra mode). */
  jwksUrl?: string;
  /** Directory holding the development issuer's key pair (local mode). */
  devIssuerDir: string;
}

export const DEV_ISSUER = 'urn:site-recovery-functions:dev-issuer';
export const DEFAULT_AUDIENCE = 'api://site-recovery-functions';

/**
 * Reads `ASR_AUTH_MODE` (`entra` default, or `local`), `ASR_AUTH_ISSUER`, `ASR_AUTH_AUDIENCE`,
 * `ASR_AUTH_JWKS_URL` and `ASR_DEV_ISSUER_DIR` (default `.data/dev-issuer`). Entra mode needs
 * issuer and JWKS URL; local mode defaults the issuer to the development issuer's name.
 */
export function authConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  const mode = (env.ASR_AUTH_MODE || 'entra').toLowerCase();
  if (mode !== 'entra' && mode !== 'local') {
    throw new Error(`ASR_AUTH_MODE must be 'entra' or 'local', got '${env.ASR_AUTH_MODE}'`);
  }
  const devIssuerDir = env.ASR_DEV_ISSUER_DIR || join(env.ASR_DATA_DIR || '.data', 'dev-issuer');
  const audience = env.ASR_AUTH_AUDIENCE || DEFAULT_AUDIENCE;
  if (mode === 'local') {
    return { mode, issuer: env.ASR_AUTH_ISSUER || DEV_ISSUER, audience, devIssuerDir };
  }
  if (!env.ASR_AUTH_ISSUER || !env.ASR_AUTH_JWKS_URL) {
    throw new Error('ASR_AUTH_ISSUER and ASR_AUTH_JWKS_URL must be set when ASR_AUTH_MODE=entra ' +
      '(e.g. https://login.microsoftonline.com/<tenant>/v2.0 and https://login.microsoftonline.com/<tenant>/discovery/v2.0/keys), ' +
      'or set ASR_AUTH_MODE=local for the development issuer');
  }
  return { mode, issuer: env.ASR_AUTH_ISSUER, audience, jwksUrl: env.ASR_AUTH_JWKS_URL, devIssuerDir };
}
