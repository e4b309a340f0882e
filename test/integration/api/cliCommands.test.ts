import { registerDevTokenCommands } from '../../../cli/commands/devToken';
import { registerItemCommands } from '../../../cli/commands/item';
import { registerPlanCommands } from '../../../cli/commands/plan';
import { registerPolicyCommands } from '../../../cli/commands/policy';
import { registerVaultCommands } from '../../../cli/commands/vault';
import { ArmApi } from '../../../shared/arm';
import { ServiceError } from '../../../shared/errors';
import { ensureMetadataStore } from '../../../shared/metadata';
import { DevelopmentIssuer, TokenVerifier } from '../../../shared/security';
import { startTestCosmos, type TestCosmos } from '../../support/cosmos';
import { runAsrInProcess, type AsrRun } from '../../support/runAsrInProcess';
import { tempDir } from '../../support/tempDir';
import { startArmTestHarness, type ArmTestHarness } from './armTestHarness';

/** Runs `asr <args>` in-process; returns what it printed and the typed error it failed with (`err` = `Code: message`). */
function asr(...args: string[]): Promise<AsrRun> {
  return runAsrInProcess([registerVaultCommands, registerPolicyCommands, registerPlanCommands, registerItemCommands, registerDevTokenCommands], args);
}

describe('asr CLI commands against the API (test harness)', () => {
  let cosmos: TestCosmos;
  let harness: ArmTestHarness;
  let contributorToken: string;
  const dir = tempDir('cli-keys-');
  const saved = { ...process.env };

  beforeAll(async () => {
    cosmos = await startTestCosmos();
    const store = await ensureMetadataStore({ endpoint: cosmos.endpoint, key: cosmos.key, databaseId: 'cli', jobTtlSeconds: 60, auditTtlSeconds: 60 });
    const issuer = await DevelopmentIssuer.open(dir.path);
    harness = await startArmTestHarness(new ArmApi({ store, verifier: TokenVerifier.fromJwks(issuer.jwks(), issuer.issuer, issuer.audience), log: () => undefined, subscriptions: ['00000000-0000-0000-0000-000000000000'] }));
    Object.assign(process.env, { ASR_ENDPOINT: harness.url, ASR_DEV_ISSUER_DIR: dir.path });
    delete process.env.ASR_TOKEN;
    // Protected items come from the agent's enable-protection call; seed two the way it would.
    const token = await issuer.mintToken({ role: 'Contributor' });
    contributorToken = token;
    const V = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.RecoveryServices/vaults/cv';
    const put = (path: string, body: unknown) => fetch(`${harness.url}${V}${path}`, {
      method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    expect((await asr('vault', 'create', 'cv')).code).toBe(0);
    expect((await asr('policy', 'create', 'cv', 'p5', '--interval', '300', '--retention-hours', '24', '--app-consistent-hours', '4')).code).toBe(0);
    await put('/replicationFabrics/site', {});
    await put('/replicationFabrics/site/replicationProtectionContainers/host', {});
    for (const vm of ['web', 'db']) {
      const r = await put(`/replicationFabrics/site/replicationProtectionContainers/host/replicationProtectedItems/${vm}`, {
        properties: {
          policyId: `${V}/replicationPolicies/p5`,
          providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', vmName: vm, ...(vm === 'web' ? { vmNics: [{ nicId: 'front', vMNetworkName: 'corpnet', replicaNicStaticIPAddress: '10.0.0.7' }, { nicId: 'back', recoveryVMNetworkId: 'back-vnet', recoveryVMSubnetName: 'db' }] } : { targetAzureNetworkId: 'prod-vnet' }) },
        },
      });
      expect(r.status).toBe(202);
    }
  });

  afterAll(async () => {
    process.env = saved;
    await harness.stop();
    await cosmos.stop();
    dir.cleanup();
  });

  it('creates, shows and lists vaults', async () => {
    const shown = await asr('vault', 'show', 'cv', '--json');
    expect(JSON.parse(shown.out)).toMatchObject({ name: 'cv', location: 'local' });
    expect((await asr('vault', 'list')).out).toMatch(/^NAME\s+LOCATION\ncv\s+local$/m);
  });

  it('creates policies and refuses out-of-range settings before calling the API', async () => {
    const shown = JSON.parse((await asr('policy', 'show', 'cv', 'p5', '--json')).out);
    expect(shown.properties.providerSpecificDetails).toMatchObject({ replicationInterval: 300, recoveryPointHistoryDurationInHours: 24, applicationConsistentSnapshotFrequencyInHours: 4 });
    const bad = await asr('policy', 'create', 'cv', 'px', '--interval', '60', '--retention-hours', '2');
    expect(bad.err).toMatch(/^InvalidArgument: --interval must be 30, 300 or 900/);
    expect((await asr('policy', 'list', 'cv')).out).toMatch(/p5\s+300\s+24\s+4\s+Disabled/);
  });

  it('builds a plan from item names, one boot group per --group', async () => {
    const created = await asr('plan', 'create', 'cv', 'app', '--group', 'db', '--group', 'web', '--json');
    expect(created.code).toBe(0);
    const plan = JSON.parse(created.out);
    expect(plan.properties.groups.map((g: { groupType: string }) => g.groupType)).toEqual(['Shutdown', 'Failover', 'Boot', 'Boot']);
    expect((await asr('plan', 'show', 'cv', 'app')).out).toMatch(/├─ Group 1\n│  └─ machine db \([^)]*\)\n└─ Group 2\n   └─ machine web \(/);
    const unknown = await asr('plan', 'create', 'cv', 'bad', '--group', 'nope');
    expect(unknown.err).toMatch(/no protected item 'nope'/);
    const policyInUse = await asr('policy', 'delete', 'cv', 'p5');
    expect(policyInUse.err).toMatch(/^ResourceInUse: .*replicationProtectedItems/);
    expect((await asr('plan', 'delete', 'cv', 'app')).code).toBe(0);
    expect((await asr('plan', 'list', 'cv', '--json')).out.trim()).toBe('[]');
  });

  it('refuses plan create without --group with a usage error, before calling the API', async () => {
    const noGroup = await asr('plan', 'create', 'cv', 'nogroups');
    expect(noGroup.code).toBe(1);
    expect(noGroup.err).toMatch(/^InvalidArgument: plan create needs at least one --group <items>/);
    expect((await asr('plan', 'show', 'cv', 'nogroups')).err).toMatch(/^NotFound/);
  });

  it('create refuses an existing vault, policy or plan and names update; update changes it', async () => {
    const vaultAgain = await asr('vault', 'create', 'cv', '--location', 'local');
    expect(vaultAgain.err).toMatch(/^AlreadyExists: vault 'cv' already exists; change it with 'asr vault update cv/);
    const updatedVault = await asr('vault', 'update', 'cv', '--tag', 'team=dr', '--tag', 'env=test');
    expect(updatedVault.out).toBe('vault cv updated; tags: team=dr, env=test\n');
    expect((await asr('vault', 'update', 'cv', '--untag', 'env')).out).toBe('vault cv updated; tags: team=dr\n');

    // Re-running create with other timings must not re-time a policy in use.
    const policyAgain = await asr('policy', 'create', 'cv', 'p5', '--interval', '30', '--retention-hours', '2');
    expect(policyAgain.err).toMatch(/^AlreadyExists: policy 'p5' in vault 'cv' already exists; change it with 'asr policy update cv p5/);
    expect(JSON.parse((await asr('policy', 'show', 'cv', 'p5', '--json')).out).properties.providerSpecificDetails)
      .toMatchObject({ replicationInterval: 300, recoveryPointHistoryDurationInHours: 24 });
    expect((await asr('policy', 'create', 'cv', 'p6', '--interval', '300', '--retention-hours', '24', '--app-consistent-hours', '4')).code).toBe(0);
    const retimed = await asr('policy', 'update', 'cv', 'p6', '--interval', '900');
    expect(retimed.out).toBe('p6: every 900 s, keep 24 h, app-consistent every 4 h, encryption Disabled\n');
    expect((await asr('policy', 'update', 'cv', 'p6')).err).toMatch(/^InvalidArgument: policy update needs at least one of/);
    expect((await asr('policy', 'delete', 'cv', 'p6')).code).toBe(0);

    expect((await asr('plan', 'create', 'cv', 'twice', '--group', 'db')).code).toBe(0);
    const planAgain = await asr('plan', 'create', 'cv', 'twice', '--group', 'web');
    expect(planAgain.err).toMatch(/^AlreadyExists: plan 'twice' in vault 'cv' already exists; change it with 'asr plan update cv twice/);
    expect((await asr('plan', 'update', 'cv', 'twice', '--group', 'web', '--group', 'db')).out).toContain('Group 1: web\n  Group 2: db');
    expect((await asr('plan', 'update', 'cv', 'twice')).err).toMatch(/^InvalidArgument: plan update needs at least one --group/);
    // Actions (added through the API) stay with their group's position; Shutdown/Failover groups are kept.
    const V = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.RecoveryServices/vaults/cv';
    const manual = { actionName: 'check', failoverTypes: ['TestFailover'], failoverDirections: ['PrimaryToRecovery'], customDetails: { instanceType: 'ManualActionDetails', description: 'look' } };
    const current = JSON.parse((await asr('plan', 'show', 'cv', 'twice', '--json')).out);
    const groups = current.properties.groups.map((g: { groupType: string }, i: number) => (i === 2 ? { ...g, endGroupActions: [manual] } : g));
    const patched = await fetch(`${harness.url}${V}/replicationRecoveryPlans/twice?api-version=2023-08-01`, {
      method: 'PATCH', headers: { authorization: `Bearer ${contributorToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ properties: { groups } }),
    });
    expect(patched.status).toBe(200);
    const regrouped = JSON.parse((await asr('plan', 'update', 'cv', 'twice', '--group', 'db,web', '--json')).out);
    expect(regrouped.properties.groups.map((g: { groupType: string; endGroupActions: { actionName: string }[] }) => [g.groupType, g.endGroupActions.map((a) => a.actionName)]))
      .toEqual([['Shutdown', []], ['Failover', []], ['Boot', ['check']]]);
    expect((await asr('plan', 'delete', 'cv', 'twice')).code).toBe(0);
  });

  it('lets exactly one of several racing creates win (If-None-Match: * on the PUT)', async () => {
    const V = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.RecoveryServices/vaults';
    const put = (path: string, body: unknown) => fetch(`${harness.url}${path}?api-version=2023-08-01`, {
      method: 'PUT', headers: { authorization: `Bearer ${contributorToken}`, 'content-type': 'application/json', 'if-none-match': '*' }, body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: await r.json() as { error?: { code: string } } }));
    const vaults = await Promise.all(Array.from({ length: 6 }, () => put(`${V}/race`, { location: 'local' })));
    expect(vaults.map((r) => r.status).sort()).toEqual([201, 412, 412, 412, 412, 412]);
    const policy = { properties: { providerSpecificInput: { instanceType: 'HyperVReplicaAzure', replicationInterval: 300 } } };
    const policies = await Promise.all(Array.from({ length: 6 }, () => put(`${V}/race/replicationPolicies/p`, policy)));
    expect(policies.map((r) => r.status).sort()).toEqual([201, 412, 412, 412, 412, 412]);
    expect(policies.filter((r) => r.status === 412).every((r) => r.body.error?.code === 'PreconditionFailed')).toBe(true);
  });

  it('lists and shows protected items', async () => {
    expect((await asr('item', 'list', 'cv')).out).toMatch(/db\s+InitialReplicationPending\s+Normal/);
    const web = (await asr('item', 'show', 'cv', 'web')).out;
    expect(web).toContain('policy: p5');
    expect(web).toContain("  nic front (source corpnet): network (the vault's mapping of corpnet) subnet default ip 10.0.0.7\n  nic back: network back-vnet subnet db ip dynamic\n");
    expect((await asr('item', 'show', 'cv', 'db')).out).toContain('  nic nic0: network prod-vnet subnet default ip dynamic\n');
    expect((await asr('item', 'show', 'cv', 'ghost')).err).toMatch(/^NotFound: no protected item 'ghost'/);
  });

  it('prints development tokens with the asked role, and needs ASR_TOKEN for remote endpoints', async () => {
    const { out } = await asr('dev-token', '--role', 'Reader');
    const payload = JSON.parse(Buffer.from(out.trim().split('.')[1], 'base64url').toString());
    expect(payload.roles).toEqual(['Reader']);
    process.env.ASR_ENDPOINT = 'https://asr.example.com';
    const remote = await asr('vault', 'list');
    process.env.ASR_ENDPOINT = harness.url;
    expect(remote.err).toMatch(/^Unauthenticated: set ASR_TOKEN/);
    const missingKey = { ...process.env };
    process.env.ASR_DEV_ISSUER_DIR = `${dir.path}/nowhere`;
    const noKey = await asr('vault', 'list');
    process.env = missingKey;
    expect(noKey.err).toMatch(/^DevIssuerMissing: .*start the local host/);
  });
});
