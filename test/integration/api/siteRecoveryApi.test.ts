import type { SiteRecoveryManagementClient } from '@azure/arm-recoveryservices-siterecovery';
import { ArmApi } from '../../../shared/arm';
import { ensureMetadataStore, recoveryPointDocumentId, type MetadataStore } from '../../../shared/metadata';
import { DevelopmentIssuer, TokenVerifier } from '../../../shared/security';
import { startTestCosmos, type TestCosmos } from '../../support/cosmos';
import { tempDir } from '../../support/tempDir';
import { startArmTestHarness, type ArmTestHarness } from './armTestHarness';
import { siteRecoveryClient } from './siteRecoveryClient';
import { sdkFailure as failure } from '../../support/sdkFailure';

const SUB = '00000000-0000-0000-0000-000000000000';
const RG = 'local';
const VAULT = 'vault1';
const V = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.RecoveryServices/vaults/${VAULT}`;
const VNET = `/subscriptions/${SUB}/resourceGroups/target/providers/Microsoft.Network/virtualNetworks/vnet1`;

/** A fetch response's JSON body, loosely typed for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const bodyOf = async (res: Response): Promise<any> => res.json();


describe('ARM-shaped API driven by the official @azure/arm-recoveryservices-siterecovery client', () => {
  let cosmos: TestCosmos;
  let store: MetadataStore;
  let harness: ArmTestHarness;
  let issuer: DevelopmentIssuer;
  let contributor: SiteRecoveryManagementClient;
  let reader: SiteRecoveryManagementClient;
  let contributorToken: string;
  let readerToken: string;
  const keys = tempDir('arm-keys-');

  const raw = (method: string, path: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${harness.url}${path}${path.includes('?') ? '&' : '?'}api-version=2023-08-01`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    cosmos = await startTestCosmos();
    store = await ensureMetadataStore({ endpoint: cosmos.endpoint, key: cosmos.key, databaseId: 'api', jobTtlSeconds: 3600, auditTtlSeconds: 3600 });
    issuer = await DevelopmentIssuer.open(keys.path);
    const verifier = TokenVerifier.fromJwks(issuer.jwks(), issuer.issuer, issuer.audience);
    harness = await startArmTestHarness(new ArmApi({ store, verifier, pageSize: 2, log: () => undefined, subscriptions: [SUB], recoveryResourceGroup: 'rg-dr1-recovery' }));
    contributorToken = await issuer.mintToken({ role: 'Contributor', subject: 'carol' });
    readerToken = await issuer.mintToken({ role: 'Reader', subject: 'rita' });
    contributor = siteRecoveryClient(harness.url, SUB, contributorToken);
    reader = siteRecoveryClient(harness.url, SUB, readerToken);
    const vault = await raw('PUT', V, contributorToken, { location: 'westeurope' });
    expect(vault.status).toBe(201);
  });

  afterAll(async () => {
    await harness?.stop();
    await cosmos?.stop();
    keys.cleanup();
  });

  it('creates, reads, updates, lists and deletes a Hyper-V-to-Azure policy', async () => {
    const created = await contributor.replicationPolicies.beginCreateAndWait(VAULT, RG, 'policy-5min', {
      properties: { providerSpecificInput: { instanceType: 'HyperVReplicaAzure', replicationInterval: 300, recoveryPointHistoryDuration: 24, applicationConsistentSnapshotFrequencyInHours: 4 } },
    });
    expect(created.id).toBe(`${V}/replicationPolicies/policy-5min`);
    expect(created.properties?.providerSpecificDetails).toMatchObject({
      instanceType: 'HyperVReplicaAzure', replicationInterval: 300, recoveryPointHistoryDurationInHours: 24, applicationConsistentSnapshotFrequencyInHours: 4,
    });
    const updated = await contributor.replicationPolicies.beginUpdateAndWait(VAULT, RG, 'policy-5min', {
      properties: { replicationProviderSettings: { instanceType: 'HyperVReplicaAzure', replicationInterval: 30 } as never },
    });
    expect(updated.properties?.providerSpecificDetails).toMatchObject({ replicationInterval: 30, recoveryPointHistoryDurationInHours: 24 });
    const read = await reader.replicationPolicies.get(VAULT, RG, 'policy-5min');
    expect(read.properties?.providerSpecificDetails).toMatchObject({ replicationInterval: 30 });
    await contributor.replicationPolicies.beginDeleteAndWait(VAULT, RG, 'policy-5min');
    expect((await failure(reader.replicationPolicies.get(VAULT, RG, 'policy-5min'))).statusCode).toBe(404);
  });

  it('pages through lists with nextLink', async () => {
    for (const n of ['pa', 'pb', 'pc', 'pd', 'pe']) {
      await contributor.replicationPolicies.beginCreateAndWait(VAULT, RG, n, {
        properties: { providerSpecificInput: { instanceType: 'HyperVReplicaAzure', replicationInterval: 900 } },
      });
    }
    let pages = 0;
    const names: string[] = [];
    for await (const page of reader.replicationPolicies.list(VAULT, RG).byPage()) {
      pages++;
      expect(page.length).toBeLessThanOrEqual(2);
      names.push(...page.map((p) => p.name!));
    }
    expect(names).toEqual(['pa', 'pb', 'pc', 'pd', 'pe']);
    expect(pages).toBe(3);
  });

  it('answers parseable 400s that name the field, 404s and 405s', async () => {
    const bad = await failure(contributor.replicationPolicies.beginCreateAndWait(VAULT, RG, 'bad', {
      properties: { providerSpecificInput: { instanceType: 'HyperVReplicaAzure', replicationInterval: 60 } },
    }));
    expect(bad.statusCode).toBe(400);
    expect(bad.code).toBe('InvalidRequestBody');
    expect(bad.message).toContain('properties.providerSpecificInput.replicationInterval');
    const retention = await raw('PUT', `${V}/replicationPolicies/bad`, contributorToken, {
      properties: { providerSpecificInput: { instanceType: 'HyperVReplicaAzure', recoveryPointHistoryDuration: 25 } },
    });
    expect(retention.status).toBe(400);
    expect((await bodyOf(retention)).error.message).toContain('recoveryPointHistoryDuration');
    const notJson = await raw('PUT', `${V}/replicationPolicies/bad`, contributorToken, '{nope');
    expect([notJson.status, (await bodyOf(notJson)).error.code]).toEqual([400, 'InvalidJson']);
    const missing = await failure(reader.replicationFabrics.get(VAULT, RG, 'no-such-site'));
    expect([missing.statusCode, missing.code]).toEqual([404, 'NotFound']);
    const noVault = await failure(reader.replicationPolicies.get('no-vault', RG, 'x'));
    expect(noVault.statusCode).toBe(404);
    expect(noVault.message).toContain("vault 'no-vault'");
    expect((await raw('POST', `${V}/replicationPolicies/pa`, contributorToken, {})).status).toBe(405);
    expect((await raw('GET', `${V}/replicationNoSuchThing`, readerToken)).status).toBe(404);
  });

  describe('a protected site', () => {
    const FABRIC = 'hyperv-site';
    const CONTAINER = 'host1';
    let policyId: string;
    let itemIds: string[] = [];

    beforeAll(async () => {
      const fabric = await contributor.replicationFabrics.beginCreateAndWait(VAULT, RG, FABRIC, { properties: { customDetails: { instanceType: 'HyperVSite' } as never } });
      expect(fabric.properties?.friendlyName).toBe(FABRIC);
      const container = await contributor.replicationProtectionContainers.beginCreateAndWait(VAULT, RG, FABRIC, CONTAINER, { properties: { providerSpecificInput: [] } });
      expect(container.id).toBe(`${V}/replicationFabrics/${FABRIC}/replicationProtectionContainers/${CONTAINER}`);
      const policy = await contributor.replicationPolicies.beginCreateAndWait(VAULT, RG, 'site-policy', {
        properties: { providerSpecificInput: { instanceType: 'HyperVReplicaAzure', replicationInterval: 30, recoveryPointHistoryDuration: 2 } },
      });
      policyId = policy.id!;
      itemIds = [];
      for (const vm of ['web1', 'db1', 'app1']) {
        const item = await contributor.replicationProtectedItems.beginCreateAndWait(VAULT, RG, FABRIC, CONTAINER, vm, {
          properties: {
            policyId,
            protectableItemId: `${V}/replicationFabrics/${FABRIC}/replicationProtectionContainers/${CONTAINER}/replicationProtectableItems/${vm}`,
            providerSpecificDetails: {
              instanceType: 'HyperVReplicaAzure', vmName: vm, targetAzureVmName: `${vm}-dr`, targetVmSize: 'Standard_D2s_v3',
              targetAzureNetworkId: VNET, targetAzureSubnetId: `${VNET}/subnets/default`, disksToInclude: [`${vm}-os`, `${vm}-data`],
            } as never,
          },
        }, { updateIntervalInMs: 10 });
        expect(item.name).toBe(vm);
        itemIds.push(item.id!);
      }
    });

    it('lists fabrics and containers, and refuses a container under a missing fabric', async () => {
      const fabrics = [];
      for await (const f of reader.replicationFabrics.list(VAULT, RG)) fabrics.push(f.name);
      expect(fabrics).toEqual([FABRIC]);
      const containers = [];
      for await (const c of reader.replicationProtectionContainers.listByReplicationFabrics(VAULT, RG, FABRIC)) containers.push(c.name);
      expect(containers).toEqual([CONTAINER]);
      const orphan = await failure(contributor.replicationProtectionContainers.beginCreateAndWait(VAULT, RG, 'nowhere', 'h', { properties: {} }));
      expect(orphan.statusCode).toBe(404);
      expect(orphan.message).toContain("replicationFabrics 'nowhere'");
    });

    it('enables protection the ARM way (202 + Location polled to 200) and shows the target settings', async () => {
      const res = await raw('PUT', `${V}/replicationFabrics/${FABRIC}/replicationProtectionContainers/${CONTAINER}/replicationProtectedItems/tmp1`, contributorToken, {
        properties: { policyId, providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', vmName: 'tmp1' } },
      });
      expect(res.status).toBe(202);
      const location = res.headers.get('location')!;
      expect(location).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/subscriptions\/.+\/replicationOperationResults\//);
      const polled = await fetch(location, { headers: { authorization: `Bearer ${readerToken}` } });
      expect(polled.status).toBe(200);
      expect((await bodyOf(polled)).name).toBe('tmp1');
      const items = [];
      for await (const i of reader.replicationProtectedItems.list(VAULT, RG)) items.push(i);
      expect(items.map((i) => i.name).sort()).toEqual(['app1', 'db1', 'tmp1', 'web1']);
      const web = items.find((i) => i.name === 'web1')!;
      expect(web.properties?.policyId).toBe(policyId);
      expect(web.properties?.providerSpecificDetails).toMatchObject({ instanceType: 'HyperVReplicaAzure', recoveryAzureVmName: 'web1-dr', recoveryAzureVMSize: 'Standard_D2s_v3' });
      await contributor.replicationProtectedItems.beginPurgeAndWait(VAULT, RG, FABRIC, CONTAINER, 'tmp1', { updateIntervalInMs: 10 });
      expect((await failure(reader.replicationProtectedItems.get(VAULT, RG, FABRIC, CONTAINER, 'tmp1'))).statusCode).toBe(404);
    });

    it('records the recovery resource group at protection: the one named, else the deployment\'s; refuses a malformed id and another subscription', async () => {
      const put = (item: string, extra: Record<string, unknown>) => raw('PUT', `${V}/replicationFabrics/${FABRIC}/replicationProtectionContainers/${CONTAINER}/replicationProtectedItems/${item}`, contributorToken, {
        properties: { policyId, providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', vmName: item, ...extra } },
      });
      const groupOf = async (item: string) => {
        const got = await raw('GET', `${V}/replicationFabrics/${FABRIC}/replicationProtectionContainers/${CONTAINER}/replicationProtectedItems/${item}`, readerToken);
        return (await bodyOf(got)).properties.providerSpecificDetails.recoveryAzureResourceGroupId;
      };
      expect((await put('rg1', {})).status).toBe(202);
      expect(await groupOf('rg1')).toBe(`/subscriptions/${SUB}/resourceGroups/rg-dr1-recovery`);
      expect((await put('rg2', { targetAzureV2ResourceGroupId: `/subscriptions/${SUB}/resourceGroups/finance-dr` })).status).toBe(202);
      expect(await groupOf('rg2')).toBe(`/subscriptions/${SUB}/resourceGroups/finance-dr`);
      for (const [id, message] of [
        ['finance-dr', 'must be the ARM id of a resource group'],
        [`/subscriptions/${SUB}/resourceGroups/../../x`, 'must be the ARM id of a resource group'],
        [`/subscriptions/${SUB}/resourceGroups/ends-with-dot.`, 'not ending with "."'],
        ['/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/dr', 'recovery into another subscription is not supported'],
      ]) {
        const refused = await put('rg3', { targetAzureV2ResourceGroupId: id });
        expect(refused.status).toBe(400);
        const body = await bodyOf(refused);
        expect(body.error.message).toContain('targetAzureV2ResourceGroupId');
        expect(body.error.message).toContain(message);
      }
      // Target networks and subnets become ARM request paths in Azure: only real names and ids get through.
      const vnet = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/prod`;
      for (const [field, value, message] of [
        ['targetAzureNetworkId', `${vnet}?api-version=1`, "virtual network's ARM id"],
        ['targetAzureNetworkId', `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Storage/storageAccounts/x`, "virtual network's ARM id"],
        ['targetAzureNetworkId', '../prod', "virtual network's ARM id"],
        ['targetAzureSubnetId', `${vnet}/subnets/a/b`, "subnet's ARM id"],
        ['targetAzureSubnetId', 'app#x', "subnet's ARM id"],
      ]) {
        const refused = await put('rg3', { [field]: value });
        expect(refused.status).toBe(400);
        const body = await bodyOf(refused);
        expect(body.error.message).toContain(field);
        expect(body.error.message).toContain(message);
      }
      expect((await put('rg4', { targetAzureNetworkId: vnet, targetAzureSubnetId: `${vnet}/subnets/app` })).status).toBe(202);
      for (const item of ['rg1', 'rg2', 'rg4']) await contributor.replicationProtectedItems.beginPurgeAndWait(VAULT, RG, FABRIC, CONTAINER, item, { updateIntervalInMs: 10 });
    });

    it('updates an item\'s target settings through the client\'s update (PATCH)', async () => {
      const updated = await contributor.replicationProtectedItems.beginUpdateAndWait(VAULT, RG, FABRIC, CONTAINER, 'app1', {
        properties: {
          recoveryAzureVMName: 'app1-dr2', recoveryAzureVMSize: 'Standard_D4s_v3',
          vmNics: [{ nicId: 'nic0', ipConfigs: [{ isPrimary: true, recoverySubnetName: 'backend', recoveryStaticIPAddress: '10.0.1.4' }] }],
        },
      });
      expect(updated.properties?.providerSpecificDetails).toMatchObject({
        recoveryAzureVmName: 'app1-dr2', recoveryAzureVMSize: 'Standard_D4s_v3',
        // The client keeps only ASR's own fields: target network, subnet and IP arrive in vmNics, disks in azureVmDiskDetails.
        selectedRecoveryAzureNetworkId: VNET,
        vmNics: [{ recoveryVMNetworkId: VNET, ipConfigs: [{ recoverySubnetName: 'backend', recoveryStaticIPAddress: '10.0.1.4', recoveryIPAddressType: 'Static' }] }],
        azureVmDiskDetails: [{ diskId: 'app1-os', vhdType: 'OperatingSystem' }, { diskId: 'app1-data', vhdType: 'DataDisk' }],
      });
      const containers = [];
      for await (const c of reader.replicationProtectionContainers.list(VAULT, RG)) containers.push(c.name);
      expect(containers).toEqual([CONTAINER]);
    });

    it('refuses protection with an unknown policy, naming the field', async () => {
      const err = await failure(contributor.replicationProtectedItems.beginCreateAndWait(VAULT, RG, FABRIC, CONTAINER, 'x1', {
        properties: { policyId: `${V}/replicationPolicies/nope`, providerSpecificDetails: { instanceType: 'HyperVReplicaAzure' } as never },
      }));
      expect([err.statusCode, err.code]).toEqual([400, 'InvalidReference']);
      expect(err.message).toContain('properties.policyId');
    });

    it('maps networks (listed per network and vault-wide) and refuses storage mappings, saying where disks go', async () => {
      const m = await contributor.replicationNetworkMappings.beginCreateAndWait(VAULT, RG, FABRIC, 'corpnet', 'corpnet-to-vnet1', {
        properties: { recoveryFabricName: 'Microsoft Azure', recoveryNetworkId: VNET, fabricSpecificDetails: { instanceType: 'VmmToAzure' } },
      });
      expect(m.properties).toMatchObject({ recoveryNetworkId: VNET, primaryNetworkFriendlyName: 'corpnet' });
      const perNetwork = [];
      for await (const x of reader.replicationNetworkMappings.listByReplicationNetworks(VAULT, RG, FABRIC, 'corpnet')) perNetwork.push(x.name);
      const vaultWide = [];
      for await (const x of reader.replicationNetworkMappings.list(VAULT, RG)) vaultWide.push(x.name);
      expect(perNetwork).toEqual(['corpnet-to-vnet1']);
      expect(vaultWide).toEqual(['corpnet-to-vnet1']);
      // The client itself refuses a body without recoveryNetworkId, so send it raw.
      const missing = await raw('PUT', `${V}/replicationFabrics/${FABRIC}/replicationNetworks/n2/replicationNetworkMappings/m2`, contributorToken, { properties: {} });
      expect(missing.status).toBe(400);
      expect((await bodyOf(missing)).error.message).toContain('properties.recoveryNetworkId');

      // Storage mappings are refused (nothing would apply them), saying where recovered disks go.
      const storageMapping = await raw('PUT', `${V}/replicationFabrics/${FABRIC}/replicationStorageClassifications/gold/replicationStorageClassificationMappings/gold-to-premium`, contributorToken, {
        properties: { targetStorageClassificationId: `${V}/replicationFabrics/azure/replicationStorageClassifications/premium` },
      });
      expect(storageMapping.status).toBe(400);
      const refused = (await bodyOf(storageMapping)).error;
      expect(refused.code).toBe('StorageMappingNotSupported');
      expect(refused.message).toMatch(/not supported.*fabric-disks.*resource group/);
      const storage = [];
      for await (const x of reader.replicationStorageClassificationMappings.list(VAULT, RG)) storage.push(x.name);
      expect(storage).toEqual([]);
      await contributor.replicationNetworkMappings.beginDeleteAndWait(VAULT, RG, FABRIC, 'corpnet', 'corpnet-to-vnet1', { updateIntervalInMs: 10 });
      const after = [];
      for await (const x of reader.replicationNetworkMappings.list(VAULT, RG)) after.push(x.name);
      expect(after).toEqual([]);
    });

    it('round-trips a recovery plan in ASR group order with its actions', async () => {
      const manual = {
        actionName: 'check-dns', failoverTypes: ['TestFailover', 'PlannedFailover'], failoverDirections: ['PrimaryToRecovery'],
        customDetails: { instanceType: 'ManualActionDetails', description: 'Check DNS points at the DR site' },
      };
      const runbook = {
        actionName: 'open-firewall', failoverTypes: ['UnplannedFailover'], failoverDirections: ['PrimaryToRecovery'],
        customDetails: { instanceType: 'AutomationRunbookActionDetails', runbookId: '/runbooks/open-fw', timeout: 'PT10M', fabricLocation: 'Recovery' },
      };
      const plan = await contributor.replicationRecoveryPlans.beginCreateAndWait(VAULT, RG, 'three-tier', {
        properties: {
          primaryFabricId: `${V}/replicationFabrics/${FABRIC}`,
          recoveryFabricId: 'Microsoft Azure',
          failoverDeploymentModel: 'ResourceManager',
          groups: [
            { groupType: 'Boot', replicationProtectedItems: [{ id: itemIds[1] }], endGroupActions: [manual as never] },
            { groupType: 'Boot', replicationProtectedItems: [{ id: itemIds[2] }, { id: itemIds[0] }] },
            { groupType: 'Failover', startGroupActions: [runbook as never] },
          ],
        },
      });
      const groups = plan.properties!.groups!;
      expect(groups.map((g) => g.groupType)).toEqual(['Shutdown', 'Failover', 'Boot', 'Boot']);
      expect(groups[2].replicationProtectedItems!.map((i) => i.id)).toEqual([itemIds[1]]);
      expect(groups[3].replicationProtectedItems!.map((i) => i.id)).toEqual([itemIds[2], itemIds[0]]);
      expect(groups[2].endGroupActions).toEqual([manual]);
      expect(groups[1].startGroupActions).toEqual([runbook]);
      const read = await reader.replicationRecoveryPlans.get(VAULT, RG, 'three-tier');
      expect(read.properties!.groups).toEqual(groups);
      const plans = [];
      for await (const p of reader.replicationRecoveryPlans.list(VAULT, RG)) plans.push(p.name);
      expect(plans).toEqual(['three-tier']);
    });

    it('refuses to delete what is still referenced, naming the reference (409)', async () => {
      const policyInUse = await failure(contributor.replicationPolicies.beginDeleteAndWait(VAULT, RG, 'site-policy'));
      expect([policyInUse.statusCode, policyInUse.code]).toEqual([409, 'ResourceInUse']);
      expect(policyInUse.message).toContain('/replicationProtectedItems/');
      const itemInPlan = await failure(contributor.replicationProtectedItems.beginPurgeAndWait(VAULT, RG, FABRIC, CONTAINER, 'db1'));
      expect(itemInPlan.statusCode).toBe(409);
      expect(itemInPlan.message).toContain("recoveryPlan 'three-tier'");
      const fabricInUse = await failure(contributor.replicationFabrics.beginDeleteAndWait(VAULT, RG, FABRIC));
      expect(fabricInUse.statusCode).toBe(409);
      expect(fabricInUse.message).toContain(`protectionContainer '${CONTAINER}'`);
      const fabricPurge = await failure(contributor.replicationFabrics.beginPurgeAndWait(VAULT, RG, FABRIC));
      expect(fabricPurge.statusCode).toBe(409);
      const vaultInUse = await raw('DELETE', V, contributorToken);
      expect(vaultInUse.status).toBe(409);
    });

    it('lets one of two concurrent plan updates with the same ETag win; the other gets 412', async () => {
      const path = `${V}/replicationRecoveryPlans/three-tier`;
      const current = await raw('GET', path, readerToken);
      const etag = current.headers.get('etag')!;
      expect(etag).toBeTruthy();
      const patch = (ids: string[]) => raw('PATCH', path, contributorToken,
        { properties: { groups: [{ groupType: 'Boot', replicationProtectedItems: ids.map((id) => ({ id })) }] } }, { 'if-match': etag });
      const [a, b] = await Promise.all([patch([itemIds[0]]), patch([itemIds[1], itemIds[2]])]);
      expect([a.status, b.status].sort()).toEqual([200, 412]);
      const loser = a.status === 412 ? a : b;
      expect((await bodyOf(loser)).error.code).toBe('PreconditionFailed');
    });

    it('removes a plan, then the items it held can go (disable protection, 202 polled to done)', async () => {
      await contributor.replicationRecoveryPlans.beginDeleteAndWait(VAULT, RG, 'three-tier', { updateIntervalInMs: 10 });
      expect((await failure(reader.replicationRecoveryPlans.get(VAULT, RG, 'three-tier'))).statusCode).toBe(404);
      await contributor.replicationProtectedItems.beginDeleteAndWait(VAULT, RG, FABRIC, CONTAINER, 'db1', { properties: {} }, { updateIntervalInMs: 10 });
      expect((await failure(reader.replicationProtectedItems.get(VAULT, RG, FABRIC, CONTAINER, 'db1'))).statusCode).toBe(404);
    });

    it('lists one recovery point per cut every disk of the item has, newest first, app consistent only when every disk is', async () => {
      const itemId = itemIds[0];
      // web1 has disks web1-os and web1-data. 00:00: both, os app + data crash; 01:00: both app;
      // 02:00: os only (data's log not merged yet), so not a point of the item.
      const diskPoints: [string, string, 'CrashConsistent' | 'AppConsistent'][] = [
        ['web1-os', '2026-01-01T00:00:00Z', 'AppConsistent'], ['web1-data', '2026-01-01T00:00:00Z', 'CrashConsistent'],
        ['web1-os', '2026-01-01T01:00:00Z', 'AppConsistent'], ['web1-data', '2026-01-01T01:00:00Z', 'AppConsistent'],
        ['web1-os', '2026-01-01T02:00:00Z', 'AppConsistent'],
      ];
      for (const [i, [disk, t, type]] of diskPoints.entries()) {
        const name = `${disk}-1-${i + 1}`;
        await store.putRecoveryPoint({
          id: recoveryPointDocumentId(itemId, name),
          vaultKey: `${SUB}/${RG}/${VAULT}`, itemId: itemId.toLowerCase(), name, armId: `${itemId}/recoveryPoints/${name}`,
          recoveryPointTime: t, recoveryPointType: type, diskSnapshots: { [disk]: `snap-${i}` },
        });
      }
      const points = [];
      for await (const p of reader.recoveryPoints.listByReplicationProtectedItems(VAULT, RG, FABRIC, CONTAINER, 'web1')) points.push([p.name, p.properties?.recoveryPointType]);
      expect(points).toEqual([['20260101T010000000Z', 'AppConsistent'], ['20260101T000000000Z', 'CrashConsistent']]);
      const one = await reader.recoveryPoints.get(VAULT, RG, FABRIC, CONTAINER, 'web1', '20260101T000000000Z');
      expect(one.properties?.recoveryPointTime).toEqual(new Date('2026-01-01T00:00:00Z'));
      expect((one.properties as { diskRecoveryPoints?: unknown }).diskRecoveryPoints).toEqual([
        { diskId: 'web1-os', name: 'web1-os-1-1', recoveryPointType: 'AppConsistent' }, { diskId: 'web1-data', name: 'web1-data-1-2', recoveryPointType: 'CrashConsistent' },
      ]);
      const partial = await failure(reader.recoveryPoints.get(VAULT, RG, FABRIC, CONTAINER, 'web1', '20260101T020000000Z'));
      expect([partial.statusCode, partial.message]).toEqual([404, expect.stringContaining('disk web1-data has no point at that cut')]);
    });
  });

  describe('authentication and roles', () => {
    const routes: [string, string][] = [
      ['GET', `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.RecoveryServices/vaults`],
      ['PUT', V], ['GET', V], ['DELETE', V],
      ['GET', `${V}/replicationFabrics`], ['PUT', `${V}/replicationFabrics/f`], ['DELETE', `${V}/replicationFabrics/f`],
      ['GET', `${V}/replicationFabrics/f/replicationProtectionContainers`], ['PUT', `${V}/replicationFabrics/f/replicationProtectionContainers/c`],
      ['GET', `${V}/replicationProtectionContainers`],
      ['GET', `${V}/replicationPolicies`], ['PUT', `${V}/replicationPolicies/p`], ['PATCH', `${V}/replicationPolicies/p`], ['DELETE', `${V}/replicationPolicies/p`],
      ['GET', `${V}/replicationNetworkMappings`], ['PUT', `${V}/replicationFabrics/f/replicationNetworks/n/replicationNetworkMappings/m`],
      ['PUT', `${V}/replicationFabrics/f/replicationStorageClassifications/s/replicationStorageClassificationMappings/m`],
      ['GET', `${V}/replicationStorageClassificationMappings`],
      ['GET', `${V}/replicationProtectedItems`], ['PUT', `${V}/replicationFabrics/f/replicationProtectionContainers/c/replicationProtectedItems/i`],
      ['GET', `${V}/replicationFabrics/f/replicationProtectionContainers/c/replicationProtectedItems/i/recoveryPoints`],
      ['GET', `${V}/replicationRecoveryPlans`], ['PUT', `${V}/replicationRecoveryPlans/r`], ['PATCH', `${V}/replicationRecoveryPlans/r`], ['DELETE', `${V}/replicationRecoveryPlans/r`],
      ['POST', `${V}/replicationFabrics/f/replicationProtectionContainers/c/replicationProtectedItems/i/remove`],
      ['GET', `${V}/replicationOperationResults/x`],
    ];

    it.each(routes)('%s %s answers 401 without a token', async (method, path) => {
      const res = await raw(method, path, undefined, method === 'GET' || method === 'DELETE' ? undefined : {});
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await bodyOf(res)).error.code).toBe('Unauthenticated');
    });

    it.each(routes.filter(([m]) => m !== 'GET'))('%s %s answers 403 to a Reader and names the role', async (method, path) => {
      const res = await raw(method, path, readerToken, method === 'DELETE' ? undefined : {});
      expect(res.status).toBe(403);
      expect((await bodyOf(res)).error.message).toContain("'Contributor'");
    });

    it('refuses expired tokens and tokens from another issuer through the official client', async () => {
      const expired = await issuer.mintToken({ role: 'Contributor', expiresIn: Math.floor(Date.now() / 1000) - 600 });
      const e = await failure(siteRecoveryClient(harness.url, SUB, expired).replicationPolicies.get(VAULT, RG, 'pa'));
      expect([e.statusCode, e.code]).toEqual([401, 'Unauthenticated']);
      expect(e.message).toMatch(/expired/);
      const foreign = await issuer.mintToken({ role: 'Contributor', issuer: 'https://sts.example.com/' });
      const f = await failure(siteRecoveryClient(harness.url, SUB, foreign).replicationPolicies.get(VAULT, RG, 'pa'));
      expect(f.statusCode).toBe(401);
      expect(f.message).toMatch(/another issuer/);
    });

    it('lets an Operator read but not create', async () => {
      const operator = siteRecoveryClient(harness.url, SUB, await issuer.mintToken({ role: 'Operator' }));
      expect((await operator.replicationPolicies.get(VAULT, RG, 'pa')).name).toBe('pa');
      expect((await failure(operator.replicationFabrics.beginCreateAndWait(VAULT, RG, 'x', { properties: {} }))).statusCode).toBe(403);
    });

    it('writes an audit event for every mutating call, refused ones included', async () => {
      const { items } = await store.listAudit(`${SUB}/${RG}/${VAULT}`, { maxItemCount: 500 });
      const policyCreate = items.find((e) => e.action === 'create replicationPolicies' && e.resourceId.endsWith('/replicationPolicies/pa'));
      expect(policyCreate).toMatchObject({ principal: 'carol (carol)', result: { status: 201 } });
      const refused = items.find((e) => e.result.status === 403 && e.principal.startsWith('rita'));
      expect(refused?.principal).toMatch(/^rita/);
      expect(refused?.result.code).toBe('Forbidden');
      expect(items.some((e) => e.result.status === 409 && e.result.code === 'ResourceInUse')).toBe(true);
    });
  });
});
