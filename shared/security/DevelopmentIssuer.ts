import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, type JWK, type KeyLike } from 'jose';
import { ServiceError } from '../errors';
import { DEFAULT_AUDIENCE, DEV_ISSUER } from './AuthConfig';
import { isRole, type Role } from './Role';

const KEY_FILE = 'signing-key.jwk.json';
const ALG = 'ES256';

export interface MintTokenOptions {
  role: Role;
  /** Default `dev-user`. */
  subject?: string;
  /** jose time span, e.g. `1h`, `10m`, or seconds; default `1h`. */
  expiresIn?: string | number;
  /** Override the audience (tests use this to mint tokens for another API). */
  audience?: string;
  /** Override the issuer (tests use this to mint tokens from a foreign issuer). */
  issuer?: string;
}

/**
 * The local stand-in for Entra ID: an ES256 key pair kept in a directory, its JWKS, and a
 * minter of access tokens carrying app roles. Only used when `ASR_AUTH_MODE=local`; the
 * verifier runs the same checks as against Entra ID.
 */
export class DevelopmentIssuer {
  private constructor(
    private readonly privateKey: KeyLike,
    private readonly publicJwk: JWK,
    readonly issuer: string,
    readonly audience: string,
  ) {}

  /**
   * Loads the key pair from `dir`, creating it on first use. Several processes may race to
   * create it: the file is written exclusively and the loser reads the winner's key.
   */
  static async open(dir: string, options: { issuer?: string; audience?: string; createIfMissing?: boolean } = {}): Promise<DevelopmentIssuer> {
    const path = join(dir, KEY_FILE);
    let jwk: JWK;
    try {
      jwk = JSON.parse(await readFile(path, 'utf8')) as JWK;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && options.createIfMissing === false) {
        throw new ServiceError('DevIssuerMissing', `no development issuer key at ${path}: start the local host (npm start) first, or point ASR_DATA_DIR at its data directory`, { cause: err });
      }
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new ServiceError('DevIssuerUnreadable', `cannot read the development issuer key ${path}: delete it to make a new one`, { cause: err });
      }
      await mkdir(dir, { recursive: true });
      const { privateKey } = await generateKeyPair(ALG, { extractable: true });
      const fresh = { ...(await exportJWK(privateKey)), alg: ALG, kid: `dev-${randomUUID()}` };
      try {
        await writeFile(path, JSON.stringify(fresh), { flag: 'wx', mode: 0o600 });
        jwk = fresh;
      } catch (writeErr) {
        if ((writeErr as NodeJS.ErrnoException).code !== 'EEXIST') throw writeErr;
        jwk = JSON.parse(await readFile(path, 'utf8')) as JWK;
      }
    }
    const privateKey = (await importJWK(jwk, ALG)) as KeyLike;
    const { d: _private, ...publicJwk } = jwk;
    return new DevelopmentIssuer(privateKey, { ...publicJwk, use: 'sig' }, options.issuer ?? DEV_ISSUER, options.audience ?? DEFAULT_AUDIENCE);
  }

  /** The public keys, as a JWKS document (what Entra ID serves at its `keys` URL). */
  jwks(): JSONWebKeySet {
    return { keys: [this.publicJwk] };
  }

  /** A signed access token with `roles: [role]`, like an Entra ID app-role token. */
  async mintToken(options: MintTokenOptions): Promise<string> {
    if (!isRole(options.role)) {
      throw new ServiceError('InvalidRole', `role must be Reader, Operator or Contributor, got '${String(options.role)}'`);
    }
    return new SignJWT({ roles: [options.role], name: options.subject ?? 'dev-user' })
      .setProtectedHeader({ alg: ALG, kid: this.publicJwk.kid, typ: 'JWT' })
      .setIssuer(options.issuer ?? this.issuer)
      .setAudience(options.audience ?? this.audience)
      .setSubject(options.subject ?? 'dev-user')
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '1h')
      .sign(this.privateKey);
  }
}
