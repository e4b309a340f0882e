import { resolve } from 'node:path';
import { siteRecoveryClient } from './siteRecoveryClient';
import { createSite, P, RG, startRecoveryHost, SUB, V, VAULT, type RecoveryHost } from '../recovery/recoveryHarness';
import { sdkFailure as failure } from '../../support/sdkFailure';

const OTHER_SUB = '0b5d7c3e-1111-4222-8333-444455556666';
const VAULTS = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.RecoveryServices/vaults`;


/**
 * The API's edge against the whole app as `npm start` runs it (funclocal, real HTTP, the
 * Functions HTTP adapter): names and ids that break ARM's rules, bodies too deep or too big,
 * codes missing from the catalogue and subscriptions the deployment does not serve all answer
 * a 4xx with a message, never a 5xx.
 */
describe('the API edge: names, client errors and subscription scope (npm start app, raw HTTP and the official client)', () => {
  let h: RecoveryHost;

  /** A raw request with a body given as text (so it can be malformed, deep or huge). */
  const rawText = async (method: string, path: string, text: string, role: 'Reader' | 'Operator' | 'Contributor' = 'Contributor') => {
    const res = await fetch(`${h.host.baseUrl}${path}?api-version=2023-08-01`, {
      method, headers: { authorization: `Bearer ${await h.token(role)}`, 'content-type': 'application/json' }, body: text,
    });
    const body = await res.text();
    return { status: res.status, body: body ? JSON.parse(body) : undefined };
  };

  beforeAll(async () => {
    h = await startRecoveryHost({}, { app: resolve(__dirname, '../../..') });
    await createSite(h, [{ name: 'web01', disks: ['disk0'] }, { name: 'web02', disks: ['disk0'] }]);
  }, 240_000);
  afterAll(async () => { await h?.stop(); });

  describe('names', () => {
    it.each([
      ['a vault named a%2Fb', `${VAULTS}/a%2Fb`, { location: 'local' }, 'vaultName'],
      ['a vault named a..b/..', `${VAULTS}/a%2E%2E`, { location: 'local' }, 'vaultName'],
      ['a policy named a|b', `${V}/replicationPolicies/a%7Cb`, { properties: { providerSpecificInput: { instanceType: 'HyperVReplicaAzure' } } }, 'replicationPolicies'],
      ['a fabric named site~x', `${V}/replicationFabrics/site~x`, {}, 'replicationFabrics'],
      ['an item named web01%2F..', `${P}/web01%2F..`, {}, 'replicationProtectedItems'],
      ['a resource group with a space', `/subscriptions/${SUB}/resourceGroups/dr%20rg/providers/Microsoft.RecoveryServices/vaults/${VAULT}`, { location: 'local' }, 'resourceGroupName'],
    ])('refuses %s with 400 InvalidResourceName naming the segment', async (_what, path, body, target) => {
      const res = await h.call('PUT', path, body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'InvalidResourceName', target });
      expect(res.body.error.message).toMatch(/letters, digits/);
    });

    it('refuses a subscription that is not a GUID with 400', async () => {
      const res = await h.call('GET', `/subscriptions/not-a-guid/resourceGroups/${RG}/providers/Microsoft.RecoveryServices/vaults`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('InvalidSubscriptionId');
    });

    it('stored nothing under a refused name (no vault a/b, no policy a|b)', async () => {
      const vaults = await h.call('GET', VAULTS, undefined, 'Reader');
      expect(vaults.body.value.map((v: { name: string }) => v.name)).toEqual([VAULT]);
      const policies = await h.call('GET', `${V}/replicationPolicies`, undefined, 'Reader');
      expect(policies.body.value.map((p: { name: string }) => p.name)).toEqual(['policy-30s']);
    });

    it.each([
      ['climbs to another item', '../web01/disk0'],
      ['holds a slash', 'a/b'],
      ['holds the vault separator', 'disk~0'],
    ])('refuses a disk id that %s when protection is enabled', async (_what, diskId) => {
      const res = await h.call('PUT', `${P}/web03`, {
        properties: { policyId: `${V}/replicationPolicies/policy-30s`, providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', disks: [{ diskId }] } },
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'InvalidRequestBody', target: 'properties.providerSpecificDetails.disks.0.diskId' });
    });

    it('refuses an export of a disk id that climbs to another item\'s replica', async () => {
      const res = await h.call('POST', `${P}/web02/exportDisk`, { properties: { diskId: '../web01/disk0', from: 'Point', recoveryPointId: 'disk0-1-1' } }, 'Operator');
      expect(res.status).toBe(400);
      expect(res.body.error.target).toBe('properties.diskId');
    });

    it('refuses a runbook id that is a URL, so no webhook secret sits in a plan', async () => {
      const res = await h.call('PUT', `${V}/replicationRecoveryPlans/leaky`, {
        properties: {
          primaryFabricId: `${V}/replicationFabrics/hv-site`, recoveryFabricId: 'Microsoft Azure',
          groups: [{
            groupType: 'Boot', replicationProtectedItems: [{ id: `${P}/web01` }],
            startGroupActions: [{ actionName: 'a', failoverTypes: ['TestFailover'], failoverDirections: ['PrimaryToRecovery'], customDetails: { instanceType: 'AutomationRunbookActionDetails', runbookId: 'https://hooks.example/webhooks?token=secret&sig=abc', fabricLocation: 'Recovery' } }],
          }],
        },
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'InvalidRequestBody', target: 'properties.groups.0.startGroupActions.0.customDetails.runbookId' });
      expect(res.body.error.message).toContain('ASR_RUNBOOK_WEBHOOKS');
    });

    it('the official client gets a 400 for a name with | and its calls with good names work', async () => {
      const client = siteRecoveryClient(h.host.baseUrl, SUB, await h.token('Contributor'));
      const bad = await failure(client.replicationPolicies.beginCreateAndWait(VAULT, RG, 'p|1', { properties: { providerSpecificInput: { instanceType: 'HyperVReplicaAzure' } as never } }));
      expect(bad).toMatchObject({ statusCode: 400, code: 'InvalidResourceName' });
      const good = await client.replicationPolicies.beginCreateAndWait(VAULT, RG, 'p-1.b_2', { properties: { providerSpecificInput: { instanceType: 'HyperVReplicaAzure' } as never } });
      expect(good.name).toBe('p-1.b_2');
    });
  });

  describe('client errors are 4xx with a message', () => {
    it('answers 10,000-deep JSON with 400 InvalidJson', async () => {
      const deep = `{"location":"local","properties":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`;
      const res = await rawText('PUT', V, deep);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('InvalidJson');
      expect(res.body.error.message).toMatch(/deeper than \d+ levels/);
    });

    it('answers a body past the documented 1 MiB limit with 413, and stores nothing of it', async () => {
      const res = await rawText('PUT', V, JSON.stringify({ location: 'local', tags: { big: 'x'.repeat(2 * 1024 * 1024) } }));
      expect(res.status).toBe(413);
      expect(res.body.error).toMatchObject({ code: 'RequestBodyTooLarge' });
      expect(res.body.error.message).toContain('1048576 bytes');
      const vault = await h.call('GET', V, undefined, 'Reader');
      expect(vault.body.tags ?? {}).not.toHaveProperty('big');
    });

    it('holds the anonymous runbook callback to the same body limit, before it looks at the token', async () => {
      const res = await fetch(`${h.host.baseUrl}/api/automation/runbook-callback?token=not-a-token`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'Succeeded', output: 'x'.repeat(2 * 1024 * 1024) }),
      });
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('RequestBodyTooLarge');
    });

    it('holds tags to ARM\'s limits (values up to 256 characters)', async () => {
      const res = await h.call('PUT', V, { location: 'local', tags: { owner: 'y'.repeat(257) } });
      expect(res.status).toBe(400);
      expect(res.body.error.target).toBe('tags.owner');
    });

    it('answers an export of an unknown recovery point with 404 NoRecoveryPoint', async () => {
      const res = await h.call('POST', `${P}/web01/exportDisk`, { properties: { diskId: 'disk0', from: 'Point', recoveryPointId: 'disk0-9-9' } }, 'Operator');
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NoRecoveryPoint');
      expect(res.body.error.message).toContain("'disk0-9-9'");
    });
  });

  describe('subscription scope', () => {
    it('refuses a valid token on a subscription the deployment does not serve: 403, raw and through the official client', async () => {
      const raw = await h.call('GET', `/subscriptions/${OTHER_SUB}/resourceGroups/${RG}/providers/Microsoft.RecoveryServices/vaults`, undefined, 'Reader');
      expect(raw.status).toBe(403);
      expect(raw.body.error.code).toBe('SubscriptionNotServed');
      const put = await h.call('PUT', `/subscriptions/${OTHER_SUB}/resourceGroups/${RG}/providers/Microsoft.RecoveryServices/vaults/elsewhere`, { location: 'local' });
      expect(put.status).toBe(403);
      const client = siteRecoveryClient(h.host.baseUrl, OTHER_SUB, await h.token('Contributor'));
      const listed = await failure((async () => { for await (const p of client.replicationPolicies.list(VAULT, RG)) void p; })());
      expect(listed).toMatchObject({ statusCode: 403, code: 'SubscriptionNotServed' });
      // The served subscription still works with the same token.
      expect((await h.call('GET', V, undefined, 'Reader')).status).toBe(200);
    });
  });
});
