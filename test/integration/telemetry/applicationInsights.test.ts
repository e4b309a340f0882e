import { METRICS } from '../../../shared/telemetry';
import { metadataReplicaLocator } from '../../../shared/replication';
import { waitFor } from '../../support/waitFor';
import { uploadLog } from '../replication/SourceDisk';
import { createSite, jobOf, P, ReplicatedDisk, startRecoveryHost, V, waitForJob, type RecoveryHost } from '../recovery/recoveryHarness';
import { join } from 'node:path';
import { startIngestionCapture, type IngestionCapture } from './ingestionCapture';

const MIB = 1024 * 1024;
const ended = (j: any) => ['Succeeded', 'Failed', 'Cancelled'].includes(j.properties.state);
const waitingForCleanup = (j: any) => ended(j) || /WaitingForStopTestFailover/.test(j.properties.stateDescription ?? '');

/**
 * The compiled app on funclocal with APPLICATIONINSIGHTS_CONNECTION_STRING pointing the real
 * `applicationinsights` 3.x SDK at a local capture endpoint: one merge (blob trigger) and one
 * test failover job, then a clean stop (the app's terminate hook flushes what is batched).
 */
describe('Application Insights: the real SDK\'s telemetry of a merge and a job reaches the ingestion endpoint (funclocal)', () => {
  let h: RecoveryHost;
  let capture: IngestionCapture;
  const traceId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
  let testJob: string;
  let cleanupJob: string;
  const metricNames = () => new Set(capture.of('MetricData').flatMap((e) => e.data.baseData.metrics.map((m: any) => m.name as string)));

  beforeAll(async () => {
    capture = await startIngestionCapture();
    h = await startRecoveryHost({
      APPLICATIONINSIGHTS_CONNECTION_STRING: capture.connectionString,
      NODE_EXTRA_CA_CERTS: capture.caFile, // the capture's self-signed certificate: the SDK only posts over https
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      // Nothing but the ingestion endpoint: no SDK statistics to Microsoft.
      APPLICATION_INSIGHTS_NO_STATSBEAT: 'true', APPLICATIONINSIGHTS_SDKSTATS_DISABLED: 'true',
    }, { app: join(__dirname, 'fixture-app') }); // the recovery app plus the start hook, the merge's blob trigger and the sweep
    await createSite(h, [{ name: 'tel', disks: ['os'] }]);

    // The merge runs in the host: its blob trigger or, failing that, its sweep (every minute) picks the uploaded log up.
    const disk = new ReplicatedDisk(h, 'tel', 'os', 4 * MIB);
    await disk.change(Date.now() - 30_000, ['write -P 0x11 0 1M'], { full: true, merge: false });
    let last: unknown;
    await waitFor(async () => {
      const item = await h.call('GET', `${P}/tel`, undefined, 'Reader');
      last = item.body?.properties?.protectionState;
      return item.body?.properties?.providerSpecificDetails?.lastReplicatedTime !== undefined || undefined;
    }, { timeoutMs: 120_000, intervalMs: 250, describe: () => `the host to merge the first log (item ${String(last)})\n${h.host.logs().slice(-3000)}` });

    // A test failover started with the caller's W3C trace context, then its cleanup.
    const token = await h.token('Operator');
    const started = await fetch(`${h.host.baseUrl}${P}/tel/testFailover?api-version=2023-08-01`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', traceparent: `00-${traceId}-0102030405060708-01` },
      body: JSON.stringify({ properties: { failoverDirection: 'PrimaryToRecovery', networkId: 'test-vnet' } }),
    });
    testJob = jobOf({ status: started.status, headers: started.headers, body: await started.json() });
    await waitForJob(h, testJob, waitingForCleanup, 90_000);
    cleanupJob = jobOf(await h.call('POST', `${P}/tel/testFailoverCleanup`, {}, 'Operator'));
    expect((await waitForJob(h, cleanupJob, ended, 90_000)).properties.state).toBe('Succeeded');
    // One sweep (every minute) judges the RPO and counts the logs waiting: a log behind a gap waits.
    disk.src.io('write -P 0x22 1M 64k');
    disk.src.cutLog({ cutTimeMs: Date.now() }); // log 2: lost on the way
    disk.src.io('write -P 0x23 2M 64k');
    const third = disk.src.cutLog({ cutTimeMs: Date.now() });
    const protectionId = (await metadataReplicaLocator(h.store)(disk.ref))!.item.properties.providerSpecificDetails.protectionId;
    await uploadLog(h.blobs, disk.ref, third.sequence, third.bytes, protectionId);
    // Wait for every documented metric (the sweep records logs waiting, then the RPO), so none hangs on the final flush.
    const missing = () => { const sent = metricNames(); return Object.values(METRICS).filter((n) => !sent.has(n)); };
    await waitFor(() => missing().length === 0 || undefined,
      { timeoutMs: 90_000, intervalMs: 500, describe: () => `a sweep to report ${missing().join(', ')} (${capture.envelopes.length} envelope(s): `
        + `${[...new Set(capture.envelopes.map((e) => e.data?.baseData?.name ?? e.data?.baseType))].slice(0, 40).join(', ')})\n${h.host.logs().slice(-4000)}` });
    await h.host.stop(); // the app's terminate hook flushes the SDK
  }, 420_000);

  afterAll(async () => {
    await h?.stop();
    await capture?.stop();
  });

  const opOf = (e: { tags: Record<string, string> }) => e.tags['ai.operation.id'];

  it('sends every documented metric under its documented name', () => {
    const names = metricNames();
    for (const name of Object.values(METRICS)) expect([name, names.has(name)]).toEqual([name, true]);
    const rto = capture.of('MetricData').flatMap((e) => e.data.baseData.metrics).find((m: any) => m.name === METRICS.failoverRto);
    expect(rto.value).toBeGreaterThan(0);
    expect(capture.of('MetricData').find((e) => e.data.baseData.metrics.some((m: any) => m.name === METRICS.rpo))!.data.baseData.properties)
      .toMatchObject({ 'asr.item': 'tel' });
  });

  it('an HTTP request is a request continuing the caller\'s trace (operation id = its traceparent\'s trace id)', () => {
    const request = capture.of('RequestData').find((e) => e.data.baseData.name === `POST ${P}/tel/testFailover`);
    expect(request).toBeDefined();
    expect(opOf(request!)).toBe(traceId);
    expect(request!.data.baseData).toMatchObject({ responseCode: '202', success: true });
  });

  it('a merge is a dependency (asr.merge) with a trace line, inside the blob trigger\'s request: one operation id', () => {
    const merges = capture.of('RemoteDependencyData').filter((e) => e.data.baseData.name === 'asr.merge' && e.data.baseData.properties?.['asr.item'] === 'tel');
    const invocation = capture.of('RequestData').find((e) => ['mergeReplicaLog', 'sweepReplication'].includes(e.data.baseData.name) && merges.some((m) => opOf(m) === opOf(e)));
    expect(invocation).toBeDefined();
    const line = capture.of('MessageData').find((e) => opOf(e) === opOf(invocation!) && /^merge of .*tel\/os: merged, 1 log\(s\)/.test(e.data.baseData.message));
    expect(line).toBeDefined();
  });

  it('every step of a job is a request of one operation whose id is the job\'s name, with its trace lines', () => {
    const op = testJob.replace(/-/g, '');
    const steps = capture.of('RequestData').filter((e) => opOf(e) === op);
    expect(steps.map((e) => e.data.baseData.name)).toEqual(expect.arrayContaining(['recordJob', 'checkPrerequisites', 'recoverMachine']));
    expect(steps.every((e) => e.data.baseData.properties['asr.job.id'] === testJob)).toBe(true);
    expect(capture.of('MessageData').some((e) => opOf(e) === op && e.data.baseData.message.startsWith(`job ${testJob}: jobStarted`))).toBe(true);
    // No step falls out of its job's operation: every activity ran for one of the two jobs.
    const jobOps = [op, cleanupJob.replace(/-/g, '')];
    const strays = capture.of('RequestData').filter((e) => e.data.baseData.properties?.['faas.trigger'] === 'activityTrigger' && !jobOps.includes(opOf(e)));
    expect(strays.map((e) => e.data.baseData.name)).toEqual([]);
  });
});
