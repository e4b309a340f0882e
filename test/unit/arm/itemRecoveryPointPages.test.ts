import { ArmApi } from '../../../shared/arm';
import { ensureMetadataStore, recoveryPointDocumentId, type MetadataStore } from '../../../shared/metadata';
import { DevelopmentIssuer, TokenVerifier } from '../../../shared/security';
import { startTestCosmos, type TestCosmos } from '../../support/cosmos';
import { tempDir } from '../../support/tempDir';

const SUB = '5e7c1b2a-0000-4000-8000-000000000002';
const V = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v1`;
const ITEM = `${V}/replicationFabrics/site/replicationProtectionContainers/host/replicationProtectedItems/vm`;
const T0 = Date.UTC(2026, 11, 5, 0, 0);

/** Item recovery points are grouped from disk points, then paged by name: no cut is split or repeated across pages. */
describe('item recovery points, paged (ArmApi, page size 2)', () => {
  let cosmos: TestCosmos;
  let api: ArmApi;
  let store: MetadataStore;
  let token: string;
  const dir = tempDir('points-');
  const call = async (url: string) => {
    const res = await api.handle({ method: 'GET', url: url.startsWith('http') ? url : `http://localhost:7071${url}?api-version=2021-01-01`, headers: { authorization: `Bearer ${token}` } });
    return res as { status: number; body: any };
  };

  beforeAll(async () => {
    cosmos = await startTestCosmos();
    store = await ensureMetadataStore({ endpoint: cosmos.endpoint, key: cosmos.key, databaseId: 'points', jobTtlSeconds: 60, auditTtlSeconds: 60 });
    const issuer = await DevelopmentIssuer.open(dir.path);
    // Page size 2 for answers; the grouping reads the disk points whole whatever the page size.
    api = new ArmApi({ store, verifier: TokenVerifier.fromJwks(issuer.jwks(), issuer.issuer, issuer.audience), log: () => undefined, subscriptions: [SUB], pageSize: 2 });
    token = await issuer.mintToken({ role: 'Contributor' });
    const put = async (path: string, body: unknown) => {
      const res = (await api.handle({ method: 'PUT', url: `http://localhost:7071${path}?api-version=2021-01-01`, headers: { authorization: `Bearer ${token}` }, bodyText: JSON.stringify(body) })) as { status: number };
      expect(res.status).toBeLessThan(300);
    };
    await put(V, { location: 'local' });
    await put(`${V}/replicationFabrics/site`, {});
    await put(`${V}/replicationFabrics/site/replicationProtectionContainers/host`, {});
    await put(`${V}/replicationPolicies/plain`, { properties: { providerSpecificInput: { instanceType: 'HyperVReplicaAzure' } } });
    await put(ITEM, { properties: { policyId: `${V}/replicationPolicies/plain`, providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', disksToInclude: ['os', 'data'] } } });
    // Five cuts of two disks, ten documents.
    for (let cut = 0; cut < 5; cut++) {
      for (const disk of ['os', 'data']) {
        const name = `${disk}-1-${cut + 1}`;
        await store.putRecoveryPoint({
          id: recoveryPointDocumentId(ITEM, name), vaultKey: `${SUB}/rg/v1`, itemId: ITEM.toLowerCase(), name, armId: `${ITEM}/recoveryPoints/${name}`,
          recoveryPointTime: new Date(T0 + cut * 300_000).toISOString(), recoveryPointType: 'CrashConsistent', diskSnapshots: { [disk]: `s${cut}` },
        });
      }
    }
  }, 120_000);
  afterAll(async () => { await cosmos.stop(); dir.cleanup(); });

  it('pages five cuts as 2 + 2 + 1, newest first, each with both disks', async () => {
    const pages: string[][] = [];
    let next: string | undefined = `${ITEM}/recoveryPoints`;
    while (next) {
      const res = await call(next);
      expect(res.status).toBe(200);
      pages.push(res.body.value.map((p: any) => `${p.name}:${p.properties.diskRecoveryPoints.map((d: any) => d.name).join('+')}`));
      next = res.body.nextLink;
    }
    const name = (cut: number) => new Date(T0 + cut * 300_000).toISOString().replace(/[-:.]/g, '');
    expect(pages).toEqual([
      [`${name(4)}:os-1-5+data-1-5`, `${name(3)}:os-1-4+data-1-4`],
      [`${name(2)}:os-1-3+data-1-3`, `${name(1)}:os-1-2+data-1-2`],
      [`${name(0)}:os-1-1+data-1-1`],
    ]);
  });
});
