import { randomBytes } from 'node:crypto';
import { ArmApi } from '../../../shared/arm';
import { recoveryRoutes } from '../../../shared/arm/recovery/recoveryRoutes';
import { ensureMetadataStore } from '../../../shared/metadata';
import { KeyWrapper } from '../../../shared/recovery/jobs/KeyWrapper';
import type { OrchestrationControl } from '../../../shared/recovery/service/OrchestrationControl';
import { RecoveryJobService } from '../../../shared/recovery/service/RecoveryJobService';
import { recoveryJobSettingsFromEnv } from '../../../shared/recovery/service/RecoveryJobSettings';
import { DevelopmentIssuer, TokenVerifier } from '../../../shared/security';
import { startTestCosmos, type TestCosmos } from '../../support/cosmos';
import { tempDir } from '../../support/tempDir';

const SUB = '5e7c1b2a-0000-4000-8000-000000000003';
const V = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v1`;
const ITEM = `${V}/replicationFabrics/site/replicationProtectionContainers/host/replicationProtectedItems/web`;

describe('a failover the service cannot start now (the Durable task hub is down)', () => {
  let cosmos: TestCosmos;
  let api: ArmApi;
  let token: string;
  const dir = tempDir('unavailable-');
  /** Whether the task hub takes new orchestrations. */
  let hubUp = false;
  const started: string[] = [];
  const orchestrations: OrchestrationControl = {
    async start(_name, instanceId) {
      if (!hubUp) throw new Error('task hub down');
      started.push(instanceId);
    },
    async raiseEvent() { return false; },
  };

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await api.handle({
      method, url: `http://localhost:7071${path}?api-version=2021-01-01`,
      headers: { authorization: `Bearer ${token}` }, bodyText: body === undefined ? undefined : JSON.stringify(body),
    });
    return res as { status: number; headers: Record<string, string>; body: any };
  };

  beforeAll(async () => {
    cosmos = await startTestCosmos();
    const store = await ensureMetadataStore({ endpoint: cosmos.endpoint, key: cosmos.key, databaseId: 'unavailable', jobTtlSeconds: 60, auditTtlSeconds: 60 });
    const issuer = await DevelopmentIssuer.open(dir.path);
    const service = new RecoveryJobService(store, orchestrations, new KeyWrapper(randomBytes(32)), recoveryJobSettingsFromEnv({}));
    const exporter = async () => { throw new Error('no exports in this test'); };
    api = new ArmApi({ store, verifier: TokenVerifier.fromJwks(issuer.jwks(), issuer.issuer, issuer.audience), log: () => undefined, subscriptions: [SUB], extraRoutes: recoveryRoutes(service, exporter) });
    token = await issuer.mintToken({ role: 'Contributor' });
    expect((await call('PUT', V, { location: 'local' })).status).toBe(201);
    expect((await call('PUT', `${V}/replicationFabrics/site`, {})).status).toBe(201);
    expect((await call('PUT', `${V}/replicationFabrics/site/replicationProtectionContainers/host`, {})).status).toBe(201);
    expect((await call('PUT', `${V}/replicationPolicies/plain`, { properties: { providerSpecificInput: { instanceType: 'HyperVReplicaAzure' } } })).status).toBe(201);
    expect((await call('PUT', ITEM, {
      properties: { policyId: `${V}/replicationPolicies/plain`, providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', hvHostVmId: 'vm-web' } },
    })).status).toBe(202);
  });
  afterAll(async () => { await cosmos.stop(); dir.cleanup(); });

  it('answers 503 ServiceUnavailable with Retry-After and the reason, records the job as not started, and the cleanup it asks for is accepted once the hub is back', async () => {
    const refused = await call('POST', `${ITEM}/testFailover`, { properties: { failoverDirection: 'PrimaryToRecovery' } });
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.body.error).toEqual({ code: 'ServiceUnavailable', message: 'the job could not be started: task hub down' });

    const jobs = await call('GET', `${V}/replicationJobs`);
    expect(jobs.body.value.map((j: any) => [j.properties.state, j.properties.errors[0]?.serviceErrorDetails?.code])).toEqual([['Failed', 'OrchestrationNotStarted']]);

    // The failed test failover is the item's current scenario (as after any failed test failover): clean it up first.
    expect((await call('POST', `${ITEM}/testFailover`, {})).body.error.message).toContain('it allows TestFailoverCleanup');
    hubUp = true;
    expect((await call('POST', `${ITEM}/testFailoverCleanup`, {})).status).toBe(202);
    expect(started).toHaveLength(1);
  });
});
