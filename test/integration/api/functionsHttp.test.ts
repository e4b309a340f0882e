import { HttpRequest, InvocationContext } from '@azure/functions';
import { armApiHandler } from '../../../functions/http/armApi';
import { devIssuerJwksHandler } from '../../../functions/http/devIssuerJwks';
import { DevelopmentIssuer } from '../../../shared/security';
import { startTestCosmos, type TestCosmos } from '../../support/cosmos';
import { tempDir } from '../../support/tempDir';

const V = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.RecoveryServices/vaults/fnvault';

describe('functions/http registrations with real @azure/functions request objects', () => {
  let cosmos: TestCosmos;
  const dir = tempDir('fn-keys-');
  const saved = { ...process.env };

  beforeAll(async () => {
    cosmos = await startTestCosmos();
    Object.assign(process.env, {
      COSMOS_ENDPOINT: cosmos.endpoint, COSMOS_KEY: cosmos.key, COSMOS_DATABASE: 'fn',
      ASR_AUTH_MODE: 'local', ASR_DEV_ISSUER_DIR: dir.path,
    });
  });
  afterAll(async () => {
    process.env = saved;
    await cosmos.stop();
    dir.cleanup();
  });

  const call = (method: string, path: string, token?: string, body?: unknown) => armApiHandler(new HttpRequest({
    method,
    url: `http://localhost:7071${path}?api-version=2023-08-01`,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    body: body === undefined ? undefined : { string: JSON.stringify(body) },
  }), new InvocationContext({ functionName: 'armApi' }));

  it('creates the store lazily from the environment and serves the vault routes', async () => {
    const token = await (await DevelopmentIssuer.open(dir.path)).mintToken({ role: 'Contributor' });
    const created = await call('PUT', V, token, { location: 'local' });
    expect(created.status).toBe(201);
    expect(JSON.parse(String(created.body))).toMatchObject({ name: 'fnvault', type: 'Microsoft.RecoveryServices/vaults' });
    const read = await call('GET', V, token);
    expect(read.status).toBe(200);
    expect((await call('GET', V)).status).toBe(401);
  });

  it('publishes the development JWKS only in local mode', async () => {
    const ctx = new InvocationContext({ functionName: 'devIssuerJwks' });
    const local = await devIssuerJwksHandler(new HttpRequest({ method: 'GET', url: 'http://localhost:7071/dev-issuer/jwks' }), ctx);
    expect(local.status).toBe(200);
    expect((local.jsonBody as { keys: { d?: string }[] }).keys[0].d).toBeUndefined();
    process.env.ASR_AUTH_MODE = 'entra';
    const entra = await devIssuerJwksHandler(new HttpRequest({ method: 'GET', url: 'http://localhost:7071/dev-issuer/jwks' }), ctx);
    expect(entra.status).toBe(404);
    process.env.ASR_AUTH_MODE = 'local';
  });
});
