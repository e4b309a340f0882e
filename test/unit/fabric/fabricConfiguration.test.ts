import { BlobServiceClient } from '@azure/storage-blob';
import {
  AzureFabric, FabricError, FabricTags, isFabricName, LocalFabric, recoveryResourceGroupsOf, tagsFromRecord, tagsMatch, tagsToRecord, targetFabricFromEnv,
} from '../../../shared/fabric';
import { actionMatches, permits } from '../../../shared/fabric/TargetCheck';
import { retryAfterMs } from '../../../shared/fabric/armThrottlePolicy';
import { ReplicationError } from '../../../shared/replication';
import { materializeOptions } from '../../../shared/replication/materialize/materializeOptions';
import { azuriteConnectionString } from '../../../shared/config/developmentStorage';

// Clients are only constructed here, never called: no request leaves the test.
const blobs = BlobServiceClient.fromConnectionString(azuriteConnectionString('127.0.0.1', { blob: 1 }));

describe('targetFabricFromEnv', () => {
  it('is local unless told otherwise (any case)', () => {
    expect(targetFabricFromEnv({ blobs }, {})).toBeInstanceOf(LocalFabric);
    expect(targetFabricFromEnv({ blobs }, { ASR_TARGET_FABRIC: 'LOCAL', ASR_LOCAL_FABRIC_FAULT_FAIL_START: 'vm-a, vm-b,' }).kind).toBe('local');
  });

  it('azure needs subscription, location and storage account id, and says which is missing', () => {
    const env = { ASR_TARGET_FABRIC: 'azure', ASR_AZURE_SUBSCRIPTION_ID: 'sub', ASR_AZURE_LOCATION: 'westeurope', ASR_AZURE_STORAGE_ACCOUNT_ID: '/subscriptions/sub/…/storageAccounts/x' };
    expect(targetFabricFromEnv({ blobs }, env)).toBeInstanceOf(AzureFabric);
    expect(() => targetFabricFromEnv({ blobs }, { ...env, ASR_AZURE_LOCATION: undefined })).toThrow(expect.objectContaining({ code: 'FabricNotConfigured', message: expect.stringContaining('ASR_AZURE_LOCATION') }));
    expect(() => targetFabricFromEnv({ blobs }, { ...env, ASR_AZURE_DISK_SKU: 'UltraSSD_LRS' })).toThrow(/ASR_AZURE_DISK_SKU/);
    expect(() => targetFabricFromEnv({ blobs }, { ASR_TARGET_FABRIC: 'vmware' })).toThrow(expect.objectContaining({ code: 'FabricNotConfigured' }));
  });
});

describe('Azure fabric settings', () => {
  it('the sweep\'s resource groups come from ASR_RECOVERY_RESOURCE_GROUP and ASR_AZURE_RESOURCE_GROUPS, once each', () => {
    expect(recoveryResourceGroupsOf({ ASR_RECOVERY_RESOURCE_GROUP: 'rg-prod-recovery', ASR_AZURE_RESOURCE_GROUPS: ' rg-sql , RG-PROD-RECOVERY,,' })).toEqual(['rg-prod-recovery', 'rg-sql']);
    expect(recoveryResourceGroupsOf({ ASR_AZURE_RESOURCE_GROUPS: 'rg-sql' })).toEqual(['asr-recovery', 'rg-sql']); // items default to asr-recovery
  });

  it('RBAC action patterns and notActions decide a permission as ARM does; Retry-After reads seconds or a date', () => {
    expect(actionMatches('*', 'Microsoft.Compute/disks/write')).toBe(true);
    expect(actionMatches('Microsoft.Compute/*', 'microsoft.compute/disks/write')).toBe(true);
    expect(actionMatches('*/read', 'Microsoft.Compute/disks/write')).toBe(false);
    expect(permits([{ actions: ['Microsoft.Network/*'], notActions: ['Microsoft.Network/virtualNetworks/subnets/join/action'] }], 'Microsoft.Network/virtualNetworks/subnets/join/action')).toBe(false);
    expect(permits([{ actions: ['*/read'] }, { actions: ['Microsoft.Network/virtualNetworks/subnets/join/action'] }], 'Microsoft.Network/virtualNetworks/subnets/join/action')).toBe(true);
    expect(retryAfterMs('7')).toBe(7000);
    expect(retryAfterMs('Sat, 05 Dec 2026 09:00:10 GMT', Date.parse('Sat, 05 Dec 2026 09:00:00 GMT'))).toBe(10_000);
    expect(retryAfterMs(undefined)).toBeUndefined();
  });

  it('the local fabric\'s checkTarget validates the group and subnet names only', async () => {
    const local = targetFabricFromEnv({ blobs }, {}); // the local fabric
    expect((await local.checkTarget({ resourceGroup: 'rg-dr', subnetIds: ['vnet-a/default', '/subscriptions/s/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/v/subnets/app'] })).checks).toHaveLength(3);
    await expect(local.checkTarget({ resourceGroup: 'rg dr', subnetIds: [] })).rejects.toMatchObject({ code: 'InvalidFabricRequest' });
    await expect(local.checkTarget({ resourceGroup: 'rg-dr', subnetIds: ['test-vnet'] })).rejects.toMatchObject({ code: 'InvalidFabricRequest', message: expect.stringContaining('names no subnet') });
  });
});

describe('fabric tags', () => {
  const tags: FabricTags = { vault: 'v1', plan: 'plan-web', job: 'job-1', item: 'item-1', scenario: 'TestFailover' };

  it('round-trip through a string map whose keys a store may lower-case, and are blob-metadata safe', () => {
    const record = tagsToRecord(tags);
    for (const k of Object.keys(record)) expect(k).toMatch(/^[a-z][a-z0-9]*$/);
    expect(tagsFromRecord(record)).toEqual(tags);
    expect(tagsFromRecord(Object.fromEntries(Object.entries(record).map(([k, v]) => [k.toUpperCase(), v])))).toEqual(tags);
    expect(tagsFromRecord({ ...record, asrfaultinjection: 'FailStart' })?.faultInjection).toBe('FailStart');
    expect(tagsFromRecord({ env: 'prod' })).toBeUndefined(); // not a failover's resource: never cleaned up
  });

  it('match on every field the filter gives', () => {
    expect(tagsMatch(tags, { job: 'job-1' })).toBe(true);
    expect(tagsMatch(tags, { job: 'job-1', item: 'item-2' })).toBe(false);
    expect(tagsMatch(tags, { plan: 'plan-web', vault: 'v1' })).toBe(true);
  });
});

describe('requests', () => {
  it('point selectors become the merge engine\'s options; a bad time is refused', () => {
    expect(materializeOptions({ kind: 'latestProcessed' })).toEqual({});
    expect(materializeOptions({ kind: 'sequence', sequence: '42', epoch: '2' })).toEqual({ sequence: 42n, epoch: 2n });
    expect(materializeOptions({ kind: 'time', time: '2026-11-22T01:00:00Z' })).toEqual({ time: new Date('2026-11-22T01:00:00Z') });
    expect(() => materializeOptions({ kind: 'time', time: 'yesterday' })).toThrow(ReplicationError);
  });

  it('names usable as machine, resource group and blob path segment', () => {
    for (const ok of ['vm-web1', 'rg_dr.test', 'A1']) expect(isFabricName(ok)).toBe(true);
    for (const bad of ['', '-vm', 'vm/../x', 'vm.', 'a'.repeat(64), 'vm web']) expect(isFabricName(bad)).toBe(false);
  });
});
