import { ServiceError } from '../../../shared/errors';
import { DevelopmentIssuer, TokenVerifier, requireRole, authConfigFromEnv, DEV_ISSUER } from '../../../shared/security';
import { tempDir } from '../../support/tempDir';

async function failure(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ServiceError) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

describe('TokenVerifier with the development issuer', () => {
  const dir = tempDir('auth-');
  const otherDir = tempDir('auth-other-');
  let issuer: DevelopmentIssuer;
  let verifier: TokenVerifier;

  beforeAll(async () => {
    issuer = await DevelopmentIssuer.open(dir.path);
    verifier = await TokenVerifier.fromConfig(authConfigFromEnv({ ASR_AUTH_MODE: 'local', ASR_DEV_ISSUER_DIR: dir.path }));
  });
  afterAll(() => { dir.cleanup(); otherDir.cleanup(); });

  it('accepts a valid token and reports subject and roles', async () => {
    const token = await issuer.mintToken({ role: 'Operator', subject: 'alice' });
    await expect(verifier.verify(`Bearer ${token}`)).resolves.toMatchObject({ subject: 'alice', roles: ['Operator'] });
  });

  it('keeps the key across restarts: a reopened issuer signs tokens the old verifier accepts', async () => {
    const reopened = await DevelopmentIssuer.open(dir.path);
    expect(reopened.jwks()).toEqual(issuer.jwks());
    expect(JSON.stringify(reopened.jwks())).not.toMatch(/"d"/);
    await expect(verifier.verify(`Bearer ${await reopened.mintToken({ role: 'Reader' })}`)).resolves.toBeDefined();
  });

  it.each([
    ['missing', undefined],
    ['malformed', 'Basic abc'],
    ['malformed', 'Bearer not.a.jwt'],
  ])('refuses a %s header', async (reason, header) => {
    const err = await failure(verifier.verify(header));
    expect(err.code).toBe('Unauthenticated');
    expect(err.details?.reason).toBe(reason);
  });

  it('refuses an expired token, saying so', async () => {
    const token = await issuer.mintToken({ role: 'Reader', expiresIn: Math.floor(Date.now() / 1000) - 3600 });
    const err = await failure(verifier.verify(`Bearer ${token}`));
    expect([err.code, err.details?.reason]).toEqual(['Unauthenticated', 'expired']);
    expect(err.message).toMatch(/expired/);
  });

  it('refuses a token from another issuer, naming the expected one', async () => {
    const token = await issuer.mintToken({ role: 'Reader', issuer: 'https://evil.example/' });
    const err = await failure(verifier.verify(`Bearer ${token}`));
    expect(err.details?.reason).toBe('issuer');
    expect(err.message).toContain(DEV_ISSUER);
  });

  it('refuses a token for another audience', async () => {
    const token = await issuer.mintToken({ role: 'Reader', audience: 'api://someone-else' });
    expect((await failure(verifier.verify(`Bearer ${token}`))).details?.reason).toBe('audience');
  });

  it('refuses a token signed by another key, and a tampered token', async () => {
    const stranger = await DevelopmentIssuer.open(otherDir.path);
    const foreign = await stranger.mintToken({ role: 'Contributor' });
    expect((await failure(verifier.verify(`Bearer ${foreign}`))).details?.reason).toBe('signature');
    const [h, , s] = (await issuer.mintToken({ role: 'Reader' })).split('.');
    const forged = Buffer.from(JSON.stringify({ iss: DEV_ISSUER, aud: 'api://site-recovery-functions', roles: ['Contributor'], exp: 9999999999 })).toString('base64url');
    expect((await failure(verifier.verify(`Bearer ${h}.${forged}.${s}`))).details?.reason).toBe('signature');
  });
});

describe('requireRole', () => {
  it('lets stronger roles do what weaker ones may', () => {
    expect(() => requireRole(['Contributor'], 'Operator', 'x')).not.toThrow();
    expect(() => requireRole(['Operator'], 'Reader', 'x')).not.toThrow();
  });

  it('refuses a short role with Forbidden naming the role needed', () => {
    try {
      requireRole(['Reader', 'SomethingElse'], 'Contributor', 'creating a policy');
      throw new Error('expected Forbidden');
    } catch (err) {
      expect((err as ServiceError).code).toBe('Forbidden');
      expect((err as ServiceError).message).toMatch(/'creating a policy' needs the app role 'Contributor'.*has Reader/);
    }
  });
});

describe('authConfigFromEnv', () => {
  it('demands issuer and JWKS URL in entra mode', () => {
    expect(() => authConfigFromEnv({})).toThrow(/ASR_AUTH_ISSUER and ASR_AUTH_JWKS_URL/);
    expect(authConfigFromEnv({ ASR_AUTH_ISSUER: 'https://i', ASR_AUTH_JWKS_URL: 'https://i/keys' })).toMatchObject({ mode: 'entra', jwksUrl: 'https://i/keys' });
  });
});
