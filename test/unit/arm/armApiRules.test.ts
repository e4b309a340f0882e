import { ArmApi } from '../../../shared/arm';
import { ensureMetadataStore, recoveryPointDocumentId, type MetadataStore } from '../../../shared/metadata';
import { PLAN_LIMITS } from '../../../shared/recovery/plan/planLimits';
import { DevelopmentIssuer, TokenVerifier } from '../../../shared/security';
import { startTestCosmos, type TestCosmos } from '../../support/cosmos';
import { tempDir } from '../../support/tempDir';

const SUB = '5e7c1b2a-0000-4000-8000-000000000001';
const V = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v1`;
const C = `${V}/replicationFabrics/site/replicationProtectionContainers/host`;

describe('ArmApi rules for plans, items and vaults (plain requests, no HTTP)', () => {
  let cosmos: TestCosmos;
  let api: ArmApi;
  let store: MetadataStore;
  let token: string;
  const dir = tempDir('rules-');

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await api.handle({
      method, url: `http://localhost:7071${path}?api-version=2021-01-01`,
      headers: { authorization: `Bearer ${token}`, ...headers }, bodyText: body === undefined ? undefined : JSON.stringify(body),
    });
    return res as { status: number; headers: Record<string, string>; body: any };
  };
  const plan = (groups: unknown[]) => ({ properties: { primaryFabricId: `${V}/replicationFabrics/site`, recoveryFabricId: 'Microsoft Azure', groups } });

  beforeAll(async () => {
    cosmos = await startTestCosmos();
    store = await ensureMetadataStore({ endpoint: cosmos.endpoint, key: cosmos.key, databaseId: 'rules', jobTtlSeconds: 60, auditTtlSeconds: 60 });
    const issuer = await DevelopmentIssuer.open(dir.path);
    api = new ArmApi({ store, verifier: TokenVerifier.fromJwks(issuer.jwks(), issuer.issuer, issuer.audience), log: () => undefined, subscriptions: [SUB] });
    token = await issuer.mintToken({ role: 'Contributor' });
    expect((await call('PUT', V, { location: 'local' })).status).toBe(201);
    expect((await call('PUT', `${V}/replicationFabrics/site`, {})).status).toBe(201);
    expect((await call('PUT', C, {})).status).toBe(201);
    expect((await call('PUT', `${V}/replicationPolicies/plain`, { properties: { providerSpecificInput: { instanceType: 'HyperVReplicaAzure' } } })).status).toBe(201);
    expect((await call('PUT', `${V}/replicationPolicies/secret`, { properties: { providerSpecificInput: { instanceType: 'HyperVReplicaAzure', encryption: 'Enabled' } } })).status).toBe(201);
    for (const vm of ['a', 'b']) {
      const res = await call('PUT', `${C}/replicationProtectedItems/${vm}`, {
        properties: { policyId: `${V}/replicationPolicies/plain`, providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', hvHostVmId: `vm-${vm}` } },
      });
      expect(res.status).toBe(202);
    }
  });
  afterAll(async () => { await cosmos.stop(); dir.cleanup(); });

  it.each([
    ['an item in a Shutdown group', [{ groupType: 'Shutdown', replicationProtectedItems: [{ id: `${C}/replicationProtectedItems/a` }] }, { groupType: 'Boot' }], 'properties.groups.0.replicationProtectedItems'],
    ['an item twice', [{ groupType: 'Boot', replicationProtectedItems: [{ id: `${C}/replicationProtectedItems/a` }] }, { groupType: 'Boot', replicationProtectedItems: [{ id: `${C}/replicationProtectedItems/A` }] }], 'properties.groups.1.replicationProtectedItems.0.id'],
    ['two Failover groups', [{ groupType: 'Failover' }, { groupType: 'Failover' }, { groupType: 'Boot' }], 'properties.groups.1.groupType'],
    ['no Boot group', [{ groupType: 'Shutdown' }], 'properties.groups'],
    ['an unknown item', [{ groupType: 'Boot', replicationProtectedItems: [{ id: `${C}/replicationProtectedItems/zz` }] }], 'properties.groups.0.replicationProtectedItems.0.id'],
    ['a runbook action without a runbook', [{ groupType: 'Boot', startGroupActions: [{ actionName: 'x', failoverTypes: ['TestFailover'], failoverDirections: ['PrimaryToRecovery'], customDetails: { instanceType: 'AutomationRunbookActionDetails', fabricLocation: 'Recovery' } }] }], 'properties.groups.0.startGroupActions.0.customDetails.runbookId'],
  ])('refuses a plan with %s, naming the field', async (_what, groups, target) => {
    const res = await call('PUT', `${V}/replicationRecoveryPlans/bad`, plan(groups));
    expect(res.status).toBe(400);
    expect(res.body.error.target).toBe(target);
  });

  // Ids need not exist: the limits are checked before any item is looked up.
  const items = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ id: `${C}/replicationProtectedItems/m${from + i}` }));
  it.each([
    ['a group over machinesPerGroup', [{ groupType: 'Boot', replicationProtectedItems: items(PLAN_LIMITS.machinesPerGroup + 1) }], 'properties.groups.0.replicationProtectedItems', /at most 100 machines.*machinesPerGroup/],
    ['more Boot groups than bootGroupsPerPlan', Array.from({ length: PLAN_LIMITS.bootGroupsPerPlan + 1 }, () => ({ groupType: 'Boot' })), 'properties.groups', /21 Boot groups; at most 20.*bootGroupsPerPlan/],
    ['more groups in all than bootGroupsPerPlan allows', Array.from({ length: PLAN_LIMITS.bootGroupsPerPlan + 3 }, () => ({ groupType: 'Boot' })), 'properties.groups', /at most 20 Boot groups.*bootGroupsPerPlan/],
    ['more machines than machinesPerPlan', Array.from({ length: PLAN_LIMITS.bootGroupsPerPlan }, (_, g) => ({ groupType: 'Boot', replicationProtectedItems: items(PLAN_LIMITS.machinesPerGroup, g * PLAN_LIMITS.machinesPerGroup) })).concat([{ groupType: 'Shutdown', replicationProtectedItems: items(1, 99_999) }]), 'properties.groups', /2001 machines; at most 2000.*machinesPerPlan/],
  ])('refuses a plan with %s: 400 naming the limit', async (_what, groups, target, message) => {
    const res = await call('PUT', `${V}/replicationRecoveryPlans/big`, plan(groups));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('InvalidRequestBody');
    expect(res.body.error.target).toBe(target);
    expect(res.body.error.message).toMatch(message);
    const patch = await call('PATCH', `${V}/replicationRecoveryPlans/big`, { properties: { groups } });
    expect(patch.status).toBe(400);
    expect(patch.body.error.message).toMatch(message);
  });

  it('rolls up the health of a plan bigger than the point-read batch (a paged listing of the fields it reads) exactly as its items report it, and only its items', async () => {
    const names = Array.from({ length: 40 }, (_, i) => `big${i}`);
    for (const vm of names) {
      const res = await call('PUT', `${C}/replicationProtectedItems/${vm}`, {
        properties: { policyId: `${V}/replicationPolicies/plain`, providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', hvHostVmId: `vm-${vm}` } },
      });
      expect(res.status).toBe(202);
    }
    // Every third item carries a stored health error, as the merge's health reporter writes them.
    const vaultKey = `${SUB}/rg/v1`;
    const listed = await store.listResources(vaultKey, { kind: 'protectedItem', maxItemCount: 100 });
    for (const doc of listed.items.filter((d) => /^big\d+$/.test(d.name) && Number(d.name.slice(3)) % 3 === 0)) {
      await store.replaceResource({ ...doc, properties: { ...doc.properties, healthErrors: [{ errorCode: 'LogQuarantined', errorMessage: `log of ${doc.name} quarantined`, errorLevel: 'Error' }] } });
    }
    // Every fourth has merged a log two hours ago: its RPO error is derived from the disk's status when read.
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000).toISOString();
    for (const doc of (await store.listResources(vaultKey, { kind: 'protectedItem', maxItemCount: 100 })).items.filter((d) => /^big\d+$/.test(d.name) && Number(d.name.slice(3)) % 4 === 1)) {
      const details = (doc.properties as { providerSpecificDetails: object }).providerSpecificDetails;
      await store.replaceResource({ ...doc, properties: { ...doc.properties, providerSpecificDetails: { ...details, disks: [{ diskId: 'os' }], protectedDisks: [{ diskId: 'os', replicationEpoch: 1, lastAppliedSequence: 3, lastAppliedCutTime: twoHoursAgo, lastMergedTime: twoHoursAgo, isInitialReplicationComplete: true }] } } });
    }
    const groups = [{ groupType: 'Boot', replicationProtectedItems: names.slice(0, 20).map((n) => ({ id: `${C}/replicationProtectedItems/${n}` })) },
      { groupType: 'Boot', replicationProtectedItems: names.slice(20).map((n) => ({ id: `${C}/replicationProtectedItems/${n}` })) }];
    expect((await call('PUT', `${V}/replicationRecoveryPlans/forty`, plan(groups))).status).toBe(201);
    const got = await call('GET', `${V}/replicationRecoveryPlans/forty`);
    const expected: { name: string; code: string }[] = [];
    for (const vm of names) {
      const item = await call('GET', `${C}/replicationProtectedItems/${vm}`);
      for (const e of item.body.properties.healthErrors ?? []) expected.push({ name: vm, code: e.errorCode });
    }
    expect(expected.filter((e) => e.code === 'LogQuarantined')).toHaveLength(14);
    expect(expected.filter((e) => e.code === 'RpoThresholdExceeded')).toHaveLength(10);
    const rolled = (got.body.properties.healthErrors as { protectedItemName: string; errorCode: string }[]).map((e) => ({ name: e.protectedItemName, code: e.errorCode }));
    expect(rolled).toEqual(expected);
    expect(rolled.some((e) => e.name === 'a' || e.name === 'b')).toBe(false);
    await call('DELETE', `${V}/replicationRecoveryPlans/forty`);
  });

  it('fills the virtual machine id from the item and adds empty Shutdown and Failover groups', async () => {
    const res = await call('PUT', `${V}/replicationRecoveryPlans/p`, plan([{ groupType: 'Boot', replicationProtectedItems: [{ id: `${C}/replicationProtectedItems/B` }] }]));
    expect(res.status).toBe(201);
    expect(res.body.properties.groups).toEqual([
      { groupType: 'Shutdown', replicationProtectedItems: [], startGroupActions: [], endGroupActions: [] },
      { groupType: 'Failover', replicationProtectedItems: [], startGroupActions: [], endGroupActions: [] },
      { groupType: 'Boot', replicationProtectedItems: [{ id: `${C}/replicationProtectedItems/b`, virtualMachineId: 'vm-b' }], startGroupActions: [], endGroupActions: [] },
    ]);
    expect((await call('PUT', `${V}/replicationRecoveryPlans/p`, plan([{ groupType: 'Boot' }]), { 'if-none-match': '*' })).status).toBe(412);
    expect((await call('PATCH', `${V}/replicationRecoveryPlans/p`, { properties: { groups: [{ groupType: 'Boot' }] } }, { 'if-match': '"stale"' })).status).toBe(412);
    // Without If-Match, concurrent PATCHes both land (the loser of the ETag race re-reads and retries).
    const all = await Promise.all([1, 2, 3, 4, 5].map(() => call('PATCH', `${V}/replicationRecoveryPlans/p`, { properties: { groups: [{ groupType: 'Boot' }] } })));
    expect(all.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    // b left the plan, so nothing refers to it any more.
    expect((await call('DELETE', `${C}/replicationProtectedItems/b`)).status).toBe(202);
    await call('DELETE', `${V}/replicationRecoveryPlans/p`);
  });

  it('requires the key fingerprint when the policy encrypts, and refuses enabling protection of another source under a taken name', async () => {
    const item = `${C}/replicationProtectedItems/enc`;
    const body = (extra: object) => ({ properties: { policyId: `${V}/replicationPolicies/secret`, providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', ...extra } } });
    const missing = await call('PUT', item, body({}));
    expect([missing.status, missing.body.error.target]).toEqual([400, 'properties.providerSpecificDetails.encryptionKeyFingerprint']);
    expect((await call('PUT', item, body({ encryptionKeyFingerprint: 'AB'.repeat(32) }))).status).toBe(202);
    const shown = await call('GET', item);
    expect(shown.body.properties.providerSpecificDetails).toMatchObject({ encryption: 'Enabled', encryptionKeyFingerprint: 'ab'.repeat(32) });
    // The same source again (a retry after a lost answer) is answered with the item as it stands,
    // its protection id unchanged; another key is another protection: refused.
    const protectionId = shown.body.properties.providerSpecificDetails.protectionId;
    expect(protectionId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await call('PUT', item, body({ encryptionKeyFingerprint: 'AB'.repeat(32) }))).status).toBe(202);
    expect((await call('GET', item)).body.properties.providerSpecificDetails.protectionId).toBe(protectionId);
    const otherKey = await call('PUT', item, body({ encryptionKeyFingerprint: 'cd'.repeat(32) }));
    expect([otherKey.status, otherKey.body.error.code]).toEqual([409, 'ItemAlreadyProtected']);
    const badIp = await call('PUT', `${C}/replicationProtectedItems/ip`, body({ encryptionKeyFingerprint: 'ab'.repeat(32), targetIpAddress: '10.0.0.300' }));
    expect([badIp.status, badIp.body.error.target]).toEqual([400, 'properties.providerSpecificDetails.targetIpAddress']);
    const withIp = `${C}/replicationProtectedItems/ip`;
    expect((await call('PUT', withIp, body({
      encryptionKeyFingerprint: 'ab'.repeat(32), targetIpAddress: '10.0.0.5', targetAzureSubnetId: '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/v1/subnets/front',
      disks: [{ diskId: 'os', capacityInBytes: 2 * 1048576 + 1 }],
    }))).status).toBe(202);
    const d = (await call('GET', withIp)).body.properties.providerSpecificDetails;
    expect(d).toMatchObject({ recoveryIpAddress: '10.0.0.5', selectedRecoverySubnetName: 'front', disks: [{ diskId: 'os', capacityInBytes: 2 * 1048576 + 1 }] });
    expect(d.vmNics[0].ipConfigs[0]).toMatchObject({ recoveryStaticIPAddress: '10.0.0.5', recoverySubnetName: 'front', recoveryIPAddressType: 'Static' });
    expect(d.azureVmDiskDetails).toEqual([{ diskId: 'os', vhdId: 'os', vhdName: 'os', vhdType: 'OperatingSystem', maxSizeMB: '3', lunId: '0' }]);
  });

  it('drops an item\'s recovery points when protection is removed', async () => {
    const item = `${C}/replicationProtectedItems/a`;
    const store = (api as unknown as { options: { store: import('../../../shared/metadata').MetadataStore } }).options.store;
    await store.putRecoveryPoint({
      id: recoveryPointDocumentId(item, 'rp1'), vaultKey: `${SUB}/rg/v1`, itemId: item.toLowerCase(), name: 'rp1', armId: `${item}/recoveryPoints/rp1`,
      recoveryPointTime: '2026-01-01T00:00:00Z', recoveryPointType: 'AppConsistent',
    });
    expect((await store.listRecoveryPoints(`${SUB}/rg/v1`, item)).items).toHaveLength(1);
    const removed = await call('POST', `${item}/remove`, { properties: {} });
    expect(removed.status).toBe(202);
    expect((await call('GET', new URL(removed.headers.location).pathname)).status).toBe(204);
    expect((await store.listRecoveryPoints(`${SUB}/rg/v1`, item)).items).toEqual([]);
    expect((await call('DELETE', `${item}`)).status).toBe(204);
  });

  it('answers 400 for a path that is not valid percent-encoding', async () => {
    const res = await call('GET', `${V}/replicationPolicies/%E0%A4%A`);
    expect([res.status, res.body.error.code]).toEqual([400, 'InvalidParameter']);
  });

  it('refuses to move a vault and to delete one that still holds resources', async () => {
    const moved = await call('PUT', V, { location: 'elsewhere' });
    expect([moved.status, moved.body.error.target]).toEqual([400, 'location']);
    const del = await call('DELETE', V);
    expect([del.status, del.body.error.code]).toEqual([409, 'ResourceInUse']);
    expect((await call('GET', `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults`)).body.value.map((v: { name: string }) => v.name)).toEqual(['v1']);
  });
});
