import { CosmosClient } from '@azure/cosmos';
import { ServiceError } from '../../../shared/errors';
import {
  ensureMetadataStore, recoveryPointDocumentId, vaultRelativeSegments, type MetadataStore, type ResourceDocument, type VaultDocument,
} from '../../../shared/metadata';
import { startTestCosmos, type TestCosmos } from '../../support/cosmos';
import { JOB_SPILL_AT_BYTES } from '../../../shared/metadata/jobTaskSpill';

const VK = '00000000-0000-0000-0000-000000000000/rg/vault1';

function resource(id: string, over: Partial<ResourceDocument> = {}): ResourceDocument {
  const now = new Date().toISOString();
  return {
    id, vaultKey: VK, kind: 'policy', name: id, armId: `/x/${id}`, refs: [],
    properties: { friendlyName: id }, createdAt: now, updatedAt: now, ...over,
  };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ServiceError) return err.code;
    throw err;
  }
  return 'no error';
}

describe('CosmosMetadataStore over a real Cosmos DB protocol server', () => {
  let cosmos: TestCosmos;
  let store: MetadataStore;
  const config = () => ({ endpoint: cosmos.endpoint, key: cosmos.key, databaseId: 'meta', jobTtlSeconds: 100, auditTtlSeconds: 100 });

  beforeAll(async () => {
    cosmos = await startTestCosmos();
    store = await ensureMetadataStore(config());
  });
  afterAll(() => cosmos.stop());

  it('creates the database and containers idempotently', async () => {
    const again = await ensureMetadataStore(config());
    await again.createResource(resource('idem'));
    expect((await store.getResource(VK, 'idem'))?.name).toBe('idem');
  });

  it('several starts at once on a fresh account all get the store (a lost create race is not an error)', async () => {
    // On a fresh account an HTTP call and a timer start together (the demo met it in CI: 409 Conflict).
    const fresh = { ...config(), databaseId: 'meta-race' };
    const stores = await Promise.all(Array.from({ length: 6 }, () => ensureMetadataStore(fresh)));
    await stores[0].createResource(resource('raced'));
    expect((await stores[5].getResource(VK, 'raced'))?.name).toBe('raced');
  });

  it('partitions by vault (vaults by subscription) and sets TTL on the containers that grow', async () => {
    const db = new CosmosClient({ endpoint: cosmos.endpoint, key: cosmos.key, connectionPolicy: { enableEndpointDiscovery: false } }).database('meta');
    const def = async (id: string) => (await db.container(id).read()).resource!;
    expect((await def('vaults')).partitionKey?.paths).toEqual(['/subscriptionId']);
    for (const id of ['resources', 'recoveryPoints', 'jobs', 'audit']) expect((await def(id)).partitionKey?.paths).toEqual(['/vaultKey']);
    expect((await def('jobs')).defaultTtl).toBe(100);
    expect((await def('audit')).defaultTtl).toBe(100);
    expect((await def('recoveryPoints')).defaultTtl).toBe(-1);
    expect((await def('resources')).defaultTtl).toBeUndefined();
  });

  it('returns undefined for a missing document and NotFound when deleting it', async () => {
    expect(await store.getResource(VK, 'nope')).toBeUndefined();
    expect(await codeOf(store.deleteResource(VK, 'nope'))).toBe('NotFound');
  });

  it('refuses a second create of the same resource with Conflict', async () => {
    await store.createResource(resource('dup'));
    expect(await codeOf(store.createResource(resource('dup')))).toBe('Conflict');
  });

  it('lets exactly one of two concurrent updates of one plan win; the other gets PreconditionFailed', async () => {
    const created = await store.createResource(resource('plan1', { kind: 'recoveryPlan', properties: { groups: [] } }));
    const a = { ...created, properties: { groups: ['a'] } };
    const b = { ...created, properties: { groups: ['b'] } };
    const results = await Promise.allSettled([
      store.replaceResource(a, { ifMatch: created._etag }),
      store.replaceResource(b, { ifMatch: created._etag }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0].reason as ServiceError).code).toBe('PreconditionFailed');
    const stored = await store.getResource(VK, 'plan1');
    expect(stored?.properties).toEqual((won[0] as PromiseFulfilledResult<ResourceDocument>).value.properties);
    expect(stored?._etag).not.toBe(created._etag);
  });

  it('refuses a delete with a stale ETag', async () => {
    const created = await store.createResource(resource('stale'));
    await store.replaceResource({ ...created, properties: { x: 1 } }, { ifMatch: created._etag });
    expect(await codeOf(store.deleteResource(VK, 'stale', { ifMatch: created._etag }))).toBe('PreconditionFailed');
  });

  it('pages through a list with continuation tokens, in id order, without repeats', async () => {
    for (let i = 0; i < 7; i++) await store.createResource(resource(`fab${i}`, { kind: 'fabric' }));
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await store.listResources(VK, { kind: 'fabric', maxItemCount: 3, continuationToken: token });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((d) => d.id));
      token = page.continuationToken;
      pages++;
    } while (token);
    expect(seen).toEqual(['fab0', 'fab1', 'fab2', 'fab3', 'fab4', 'fab5', 'fab6']);
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it('finds a resource of a kind by name without case, and only in its vault (the merge locates a disk\'s item so)', async () => {
    await store.createResource(resource('by-name-a', { kind: 'protectedItem', name: 'Web-01' }));
    await store.createResource(resource('by-name-b', { kind: 'protectedItem', name: 'web-02' }));
    await store.createResource({ ...resource('by-name-c', { kind: 'protectedItem', name: 'web-03' }), vaultKey: `${VK}-other` });
    await store.createResource(resource('by-name-d', { kind: 'fabric', name: 'web-02' }));
    const named = async (name: string) => (await store.listResources(VK, { kind: 'protectedItem', name })).items.map((d) => d.id);
    expect(await named('web-01')).toEqual(['by-name-a']);
    expect(await named('WEB-02')).toEqual(['by-name-b']);
    expect(await named('web-03')).toEqual([]);
    expect(await named('web-0')).toEqual([]);
  });

  it('lists only the fields asked for, nested as stored, and leaves out those a document lacks', async () => {
    await store.createResource(resource('fields-a', { kind: 'networkMapping', name: 'm-a', properties: { friendlyName: 'A', deep: { keep: [1, 2], drop: 'x' }, other: 'y' } }));
    await store.createResource(resource('fields-b', { kind: 'networkMapping', name: 'm-b', properties: { friendlyName: 'B' } }));
    const { items } = await store.listResources(VK, { kind: 'networkMapping', fields: ['id', 'name', 'properties.deep.keep', 'properties.friendlyName'] });
    expect(items).toEqual([
      { id: 'fields-a', name: 'm-a', properties: { deep: { keep: [1, 2] }, friendlyName: 'A' } },
      { id: 'fields-b', name: 'm-b', properties: { deep: {}, friendlyName: 'B' } },
    ]);
  });

  it('finds resources that reference another one, and keeps vaults apart', async () => {
    await store.createResource(resource('item1', { kind: 'protectedItem', refs: ['/pol/p1'] }));
    await store.createResource({ ...resource('item2', { kind: 'protectedItem', refs: ['/pol/p1'] }), vaultKey: `${VK}-other` });
    const refs = await store.findReferrers(VK, '/POL/p1');
    expect(refs.map((r) => r.id)).toEqual(['item1']);
  });

  it('lists the vaults of one resource group from the subscription partition', async () => {
    const now = new Date().toISOString();
    const vault = (rg: string, name: string): VaultDocument => ({
      id: `sub1|${rg}|${name}`, subscriptionId: 'sub1', resourceGroupLower: rg, resourceGroupName: rg, name,
      armId: `/subscriptions/sub1/resourceGroups/${rg}/providers/Microsoft.RecoveryServices/vaults/${name}`,
      location: 'local', properties: {}, createdAt: now, updatedAt: now,
    });
    await store.createVault(vault('rga', 'v1'));
    await store.createVault(vault('rga', 'v2'));
    await store.createVault(vault('rgb', 'v3'));
    expect((await store.listVaults('SUB1', 'RGA')).items.map((v) => v.name)).toEqual(['v1', 'v2']);
    expect((await store.listVaults('sub1', undefined)).items).toHaveLength(3);
    expect((await store.getVault('sub1/rgb/v3'))?.name).toBe('v3');
  });

  it('keeps recovery points per item, newest first, and removes them with the item', async () => {
    for (let i = 0; i < 3; i++) {
      await store.putRecoveryPoint({
        id: `rp${i}`, vaultKey: VK, itemId: '/items/a', name: `rp${i}`, armId: `/items/a/recoveryPoints/rp${i}`,
        recoveryPointTime: new Date(Date.UTC(2026, 0, 1, i)).toISOString(), recoveryPointType: 'CrashConsistent', ttl: 3600,
      });
    }
    expect((await store.listRecoveryPoints(VK, '/items/a')).items.map((p) => p.name)).toEqual(['rp2', 'rp1', 'rp0']);
    expect(await store.deleteRecoveryPointsOf(VK, '/items/a')).toBe(3);
    expect((await store.listRecoveryPoints(VK, '/items/a')).items).toHaveLength(0);
  });

  it('keeps jobs with ETag-guarded updates, newest first', async () => {
    const job = (id: string, createdAt: string) => ({ id, vaultKey: VK, name: id, armId: `/jobs/${id}`, properties: { state: 'InProgress' }, createdAt });
    const j1 = await store.createJob(job('j1', '2026-01-01T00:00:00Z'));
    await store.createJob(job('j2', '2026-01-02T00:00:00Z'));
    const done = await store.replaceJob({ ...j1, properties: { state: 'Succeeded' } }, { ifMatch: j1._etag });
    expect(await codeOf(store.replaceJob({ ...j1, properties: { state: 'Failed' } }, { ifMatch: j1._etag }))).toBe('PreconditionFailed');
    expect((await store.getJob(VK, 'j1'))?.properties).toEqual({ state: 'Succeeded' });
    expect(done._etag).not.toBe(j1._etag);
    expect((await store.listJobs(VK)).items.map((j) => j.id)).toEqual(['j2', 'j1']);
  });

  it('appends audit events and lists them newest first', async () => {
    await store.appendAudit({ id: 'a1', vaultKey: VK, at: '2026-01-01T00:00:00Z', principal: 'u', action: 'PUT x', resourceId: '/x', result: { status: 200 } });
    await store.appendAudit({ id: 'a2', vaultKey: VK, at: '2026-01-02T00:00:00Z', principal: 'u', action: 'DELETE x', resourceId: '/x', result: { status: 409, code: 'Conflict' } });
    expect((await store.listAudit(VK)).items.map((e) => e.id)).toEqual(['a2', 'a1']);
  });

  describe('a job larger than one Cosmos DB item (2 MB)', () => {
    // About what a 2,000-machine plan's job holds once recovered: 1.7 KB per machine task.
    const tasks = (tag: string) => Array.from({ length: 2000 }, (_, n) => ({ taskId: `m${n}`, name: `machine-${n}`, state: 'Succeeded', tag, details: 'x'.repeat(1600) }));
    const job = (id: string, t: unknown[]) => ({ id, vaultKey: VK, name: id, armId: `/jobs/${id}`, createdAt: new Date().toISOString(), properties: { state: 'InProgress', tasks: t } });
    type Job = ReturnType<typeof job> & { _etag?: string };
    const cosmosJobs = () => new CosmosClient({ endpoint: cosmos.endpoint, key: cosmos.key }).database('meta');
    const chunksOf = async (jobId: string) => (await cosmosJobs().container('jobTasks').items.query({ query: 'SELECT c.id FROM c WHERE c.jobId = @j AND c.kind = @k', parameters: [{ name: '@j', value: jobId }, { name: '@k', value: 'jobTasksChunk' }] }).fetchAll()).resources.map((r: { id: string }) => r.id);

    it('is refused by the local server as Azure refuses it, when written whole', async () => {
      const { container } = await cosmosJobs().containers.createIfNotExists({ id: 'whole', partitionKey: { paths: ['/vaultKey'] } });
      const err = await container.items.create(job('whole', tasks('a'))).catch((e: { code?: number }) => e);
      expect((err as { code?: number }).code).toBe(413);
      expect((await container.items.create(job('fits', tasks('a').slice(0, 1000)))).statusCode).toBe(201);
    });

    it('keeps its tasks in chunks beside it and reads back whole; a replace swaps the chunks, a lost race leaves none', async () => {
      const created = await store.createJob(job('big-job', tasks('v1')));
      expect(created.properties.tasks).toEqual(tasks('v1'));
      const raw = (await cosmosJobs().container('jobs').item('big-job', VK).read()).resource as { properties: { tasks: unknown[] }; tasksSpill: { chunks: string[] } };
      expect(raw.properties.tasks).toEqual([]);
      expect(JSON.stringify(raw).length).toBeLessThan(JOB_SPILL_AT_BYTES);
      expect(raw.tasksSpill.chunks.length).toBe(5);
      expect(await chunksOf('big-job')).toHaveLength(5);

      // A check of its state reads two fields, not megabytes of tasks.
      expect(await store.getJobFields(VK, 'big-job', ['properties.state', 'properties.cancelRequested'])).toEqual({ properties: { state: 'InProgress' } });
      expect(await store.getJobFields(VK, 'no-such-job', ['properties.state'])).toBeUndefined();
      const read = (await store.getJob<Job>(VK, 'big-job'))!;
      expect(read.properties.tasks).toEqual(tasks('v1'));
      // Chunks never change, so a second read parses none again; what readers share cannot be changed in place.
      expect((await store.getJob<Job>(VK, 'big-job'))!.properties.tasks).toEqual(tasks('v1'));
      expect(() => { (read.properties.tasks[0] as { state: string }).state = 'Failed'; }).toThrow(TypeError);
      const replaced = await store.replaceJob({ ...read, properties: { ...read.properties, tasks: tasks('v2') } }, { ifMatch: read._etag });
      expect(replaced.properties.tasks).toEqual(tasks('v2'));
      expect((await store.getJob<Job>(VK, 'big-job'))!.properties.tasks).toEqual(tasks('v2'));
      // The first version's chunks are gone, only the second's remain.
      const now = await chunksOf('big-job');
      expect(now).toHaveLength(5);
      expect(now.some((id) => raw.tasksSpill.chunks.includes(id))).toBe(false);

      // A writer holding the first version loses the ETag race: 412, and its chunks are not left behind.
      expect(await codeOf(store.replaceJob({ ...read, properties: { ...read.properties, tasks: tasks('v3') } }, { ifMatch: read._etag }))).toBe('PreconditionFailed');
      expect((await chunksOf('big-job')).sort()).toEqual(now.sort());
      expect((await store.getJob<Job>(VK, 'big-job'))!.properties.tasks).toEqual(tasks('v2'));

      // Listed whole as well; a job that fits is stored as it is.
      await store.createJob(job('small-job', tasks('s').slice(0, 3)));
      const listed = (await store.listJobs<Job>(VK, { maxItemCount: 50 })).items;
      expect(listed.find((j) => j.id === 'big-job')!.properties.tasks).toEqual(tasks('v2'));
      expect(listed.find((j) => j.id === 'small-job')!.properties.tasks).toEqual(tasks('s').slice(0, 3));
      expect(await chunksOf('small-job')).toEqual([]);

      // Its outbox is listed whole too, so clearing the outbox keeps the tasks.
      const current = (await store.getJob<Job>(VK, 'big-job'))!;
      await store.replaceJob({ ...current, outbox: [{ id: 'ev1' }] } as Job, { ifMatch: current._etag });
      const pending = (await store.listPendingOutboxes(VK, 10)).jobs.find((j) => j.id === 'big-job')!;
      expect((pending.properties as { tasks: unknown[] }).tasks).toEqual(tasks('v2'));
      await store.replaceJob({ ...pending, outbox: [] }, { ifMatch: pending._etag });
      expect((await store.getJob<Job>(VK, 'big-job'))!.properties.tasks).toEqual(tasks('v2'));
      // A job as stored (its tasks in chunks) is never written back as if it had none.
      const raw2 = (await cosmosJobs().container('jobs').item('big-job', VK).read()).resource as Job;
      await expect(store.replaceJob(raw2)).rejects.toThrow(/read it whole first/);
    });
  });
});

describe('document ids', () => {
  it('derive from the vault-relative ARM path, case-insensitively', () => {
    const item = '/subscriptions/S/resourceGroups/RG/providers/Microsoft.RecoveryServices/vaults/V/replicationFabrics/F/replicationProtectionContainers/C/replicationProtectedItems/VM1';
    expect(recoveryPointDocumentId(item, 'RP1')).toBe('replicationfabrics|f|replicationprotectioncontainers|c|replicationprotecteditems|vm1|recoverypoints|rp1');
    expect(recoveryPointDocumentId(item.toLowerCase(), 'rp1')).toBe(recoveryPointDocumentId(item, 'RP1'));
    expect(vaultRelativeSegments('/subscriptions/s/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v')).toBeUndefined();
    expect(() => recoveryPointDocumentId('/not/an/item', 'x')).toThrow(/not the ARM id/);
  });

});
