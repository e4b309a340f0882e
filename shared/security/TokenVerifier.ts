import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { ServiceError } from '../errors';
import type { AuthConfig } from './AuthConfig';
import { DevelopmentIssuer } from './DevelopmentIssuer';
import type { Principal } from './Principal';

/** Checks bearer tokens against one issuer, audience and key set. */
export class TokenVerifier {
  constructor(
    private readonly keys: JWTVerifyGetKey,
    private readonly issuer: string,
    private readonly audience: string,
  ) {}

  /** A verifier for the configuration: remote JWKS (Entra ID) or the development issuer's keys. */
  static async fromConfig(config: AuthConfig): Promise<TokenVerifier> {
    if (config.mode === 'local') {
      const dev = await DevelopmentIssuer.open(config.devIssuerDir, { issuer: config.issuer, audience: config.audience });
      return TokenVerifier.fromJwks(dev.jwks(), config.issuer, config.audience);
    }
    // jose caches the key set and refetches on an unknown `kid` (key rollover).
    return new TokenVerifier(createRemoteJWKSet(new URL(config.jwksUrl!)), config.issuer, config.audience);
  }

  static fromJwks(jwks: JSONWebKeySet, issuer: string, audience: string): TokenVerifier {
    return new TokenVerifier(createLocalJWKSet(jwks), issuer, audience);
  }

  /**
   * Verifies the `Authorization` header's bearer token. Throws `Unauthenticated` saying what
   * is wrong: missing, malformed, expired, wrong issuer or audience, bad signature.
   */
  async verify(authorization: string | undefined): Promise<Principal> {
    if (!authorization) throw unauthenticated('no bearer token: send "Authorization: Bearer <token>"', 'missing');
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match) throw unauthenticated('the Authorization header is not "Bearer <token>"', 'malformed');
    try {
      const { payload } = await jwtVerify(match[1], this.keys, {
        issuer: this.issuer,
        audience: this.audience,
        algorithms: ['ES256', 'RS256'],
        clockTolerance: 60,
      });
      const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
      const subject = (typeof payload.oid === 'string' && payload.oid) || payload.sub || 'unknown';
      const name = [payload.name, payload.preferred_username, payload.appid].find((v): v is string => typeof v === 'string');
      return { subject, roles, name };
    } catch (err) {
      throw explain(err, this.issuer, this.audience);
    }
  }
}

function unauthenticated(message: string, reason: string, cause?: unknown): ServiceError {
  return new ServiceError('Unauthenticated', message, { cause, details: { reason } });
}

function explain(err: unknown, issuer: string, audience: string): ServiceError {
  if (err instanceof errors.JWTExpired) return unauthenticated('the token has expired: get a new one', 'expired', err);
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return unauthenticated(`the token is from another issuer: expected '${issuer}'`, 'issuer', err);
    if (err.claim === 'aud') return unauthenticated(`the token is for another audience: expected '${audience}'`, 'audience', err);
    return unauthenticated(`the token's '${err.claim}' claim is invalid (${err.reason})`, 'claim', err);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSNoMatchingKey) {
    return unauthenticated('the token signature does not verify against the issuer\'s keys', 'signature', err);
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return unauthenticated('the token is signed with an algorithm this API does not accept', 'algorithm', err);
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) {
    return new ServiceError('AuthUnavailable', 'the issuer\'s key set could not be fetched; retry later', { retryable: true, cause: err });
  }
  if (err instanceof errors.JOSEError) return unauthenticated(`the token is malformed (${err.code})`, 'malformed', err);
  return new ServiceError('AuthUnavailable', 'could not verify the token (key set unreachable?); retry later', { retryable: true, cause: err });
}
