import { ServiceError } from '../../shared/errors';
import { DevelopmentIssuer, type Role } from '../../shared/security';
import { isLoopbackEndpoint, type CliConfig } from './CliConfig';

/**
 * The bearer token for a call: `ASR_TOKEN` if set; else, for a local host only, a short-lived
 * development token signed with the key the host keeps in its data directory (reading that
 * file needs the same access as running the host, so no token endpoint is opened).
 */
export async function obtainToken(config: CliConfig, role: Role = 'Contributor', subject = 'asr-cli'): Promise<string> {
  if (config.token) return config.token;
  if (!isLoopbackEndpoint(config.endpoint)) {
    throw new ServiceError('Unauthenticated', `set ASR_TOKEN to an access token for ${config.endpoint} (development tokens are only for a local host)`);
  }
  const issuer = await DevelopmentIssuer.open(config.devIssuerDir, {
    createIfMissing: false, issuer: config.devIssuerName, audience: config.audience,
  });
  return issuer.mintToken({ role, subject, expiresIn: '15m' });
}
