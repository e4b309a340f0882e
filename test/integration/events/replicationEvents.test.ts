import type { SiteRecoveryManagementClient } from '@azure/arm-recoveryservices-siterecovery';
import { ArmApi } from '../../../shared/arm';
import { appendToOutbox, EventOutbox, type ReplicationEventDraft } from '../../../shared/events';
import type { ProtectedItemProperties } from '../../../shared/metadata';
import { beginResync, mergeDisk, type ReplicationPolicy } from '../../../shared/replication';
import { JobRecorder } from '../../../shared/recovery/jobs/JobRecorder';
import type { RecoveryJobDocument } from '../../../shared/recovery/jobs/RecoveryJobDocument';
import type { JobEvent } from '../../../shared/recovery/plan/JobEvent';
import { DevelopmentIssuer, TokenVerifier } from '../../../shared/security';
import { registerVaultCommands } from '../../../cli/commands/vault';
import { runAsrInProcess } from '../../support/runAsrInProcess';
import { tempDir } from '../../support/tempDir';
import { startArmTestHarness, type ArmTestHarness } from '../api/armTestHarness';
import { siteRecoveryClient } from '../api/siteRecoveryClient';
import { useReplicationHarness, VAULT_KEY } from '../replication/replicationHarness';
import { SourceDisk, uploadLog, writeImage } from '../replication/SourceDisk';
import { sdkFailure as failure } from '../../support/sdkFailure';

const MIB = 1024 * 1024;
const T0 = Date.UTC(2026, 10, 22, 1, 0);
const POLICY: ReplicationPolicy = { replicationInterval: 300, recoveryPointHistoryDurationInHours: 2, applicationConsistentSnapshotFrequencyInHours: 0 };
const [SUB, RG, VAULT] = VAULT_KEY.split('/');
const V = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.RecoveryServices/vaults/${VAULT}`;


describe('replication events: raised with the state change, listed by the official client with $filter (Azurite, Cosmos DB)', () => {
  const suite = useReplicationHarness('events-');
  const keys = tempDir('events-keys-');
  let harness: ArmTestHarness;
  let issuer: DevelopmentIssuer;
  let client: SiteRecoveryManagementClient;
  let token: string;

  const list = async (filter?: string) => {
    const out = [];
    for await (const e of client.replicationEvents.list(VAULT, RG, filter === undefined ? {} : { filter })) out.push(e);
    return out;
  };
  /** Oldest first: the order they happened in. */
  const codesOf = (events: Awaited<ReturnType<typeof list>>) => events.map((e) => e.properties!.eventCode).reverse();

  beforeAll(async () => {
    issuer = await DevelopmentIssuer.open(keys.path);
    const verifier = TokenVerifier.fromJwks(issuer.jwks(), issuer.issuer, issuer.audience);
    harness = await startArmTestHarness(new ArmApi({ store: suite.h.store, verifier, pageSize: 2, log: () => undefined, subscriptions: [SUB] }));
    token = await issuer.mintToken({ role: 'Reader', subject: 'rita' });
    const contributor = await issuer.mintToken({ role: 'Contributor', subject: 'carol' });
    const created = await fetch(`${harness.url}${V}?api-version=2023-08-01`, {
      method: 'PUT', headers: { authorization: `Bearer ${contributor}`, 'content-type': 'application/json' }, body: JSON.stringify({ location: 'westeurope' }),
    });
    expect(created.status).toBe(201);
    client = siteRecoveryClient(harness.url, SUB, token);
  });

  afterAll(async () => {
    await harness?.stop();
    keys.cleanup();
  });

  it('a quarantined log, its resync and the resync\'s end raise VmHealth events in order, the health error carried', async () => {
    const disk = await suite.h.protect('vm-ev', POLICY);
    const src = new SourceDisk(suite.tmp, disk, 8 * MIB);
    src.io('write -P 0x81 0 1M');
    await uploadLog(suite.h.blobs, disk, 1n, src.cutLog({ cutTimeMs: T0 }).bytes);
    await mergeDisk(suite.h.deps(), disk);
    expect(await list("affectedObjectFriendlyName eq 'vm-ev'")).toEqual([]); // Normal to Normal: nothing to say

    src.io('write -P 0x82 2M 1M');
    await uploadLog(suite.h.blobs, disk, 2n, src.cutLog({ cutTimeMs: T0 + 300_000 }).bytes.subarray(0, 100));
    expect((await mergeDisk(suite.h.deps(), disk)).outcome).toBe('quarantined');
    await beginResync(suite.h.deps(), disk, { epoch: 2n });
    src.io('write -P 0x83 5M 8k');
    const resync = new SourceDisk(suite.tmp, { ...disk }, 8 * MIB, { epoch: 2n });
    writeImage(resync.path, src.image());
    await uploadLog(suite.h.blobs, disk, 1n, resync.cutLog({ cutTimeMs: T0 + 900_000, full: true }).bytes);
    expect(await mergeDisk(suite.h.deps(), disk)).toMatchObject({ outcome: 'merged', epoch: 2n });

    const events = await list("affectedObjectFriendlyName eq 'vm-ev'");
    expect(codesOf(events)).toEqual(['ReplicationHealthChanged', 'LogQuarantined', 'ResyncStarted', 'ReplicationHealthChanged', 'ResyncCompleted']);
    // The quarantine itself, with the log, where it went and what to do (raised in the same write as the health change).
    expect(events[events.length - 2].properties).toMatchObject({
      eventCode: 'LogQuarantined', eventType: 'VmHealth', severity: 'Critical',
      description: expect.stringMatching(/^vm-ev, disk disk0: Replica log 2 of disk disk0 was refused .* moved to hrl-quarantine\//),
      recommendedAction: expect.stringContaining('Resynchronize the disk'),
    });
    const quarantined = events[events.length - 1];
    expect(quarantined.properties).toMatchObject({
      eventType: 'VmHealth', severity: 'Critical', affectedObjectFriendlyName: 'vm-ev',
      affectedObjectCorrelationId: expect.stringMatching(/\/replicationProtectedItems\/vm-ev$/),
      fabricId: expect.stringMatching(/\/replicationFabrics\/f1$/),
      description: expect.stringContaining('from Normal to Critical: LogQuarantined'),
    });
    expect(quarantined.properties!.healthErrors).toEqual([expect.objectContaining({ errorCode: 'LogQuarantined', errorLevel: 'Error', entityId: 'disk0' })]);
    expect(quarantined.type).toBe('Microsoft.RecoveryServices/vaults/replicationEvents');
    expect(quarantined.properties!.timeOfOccurrence).toBeInstanceOf(Date);

    // One event by name, as the client reads it.
    const one = await client.replicationEvents.get(VAULT, RG, quarantined.name!);
    expect(one.properties).toMatchObject({ eventCode: 'ReplicationHealthChanged', severity: 'Critical' });
    expect(one.id).toBe(`${V}/replicationEvents/${quarantined.name}`);
  }, 120_000);

  it('$filter narrows by severity, type, code, affected object and time; a bad $filter is a 400 saying what is wrong', async () => {
    const all = await list();
    expect(all.length).toBeGreaterThanOrEqual(4);
    expect(codesOf(await list("severity eq 'Critical' and eventType eq 'VmHealth'"))).toEqual(['ReplicationHealthChanged', 'LogQuarantined']);
    expect(codesOf(await list("eventCode eq 'resyncstarted'"))).toEqual(['ResyncStarted']);
    const item = all[0].properties!.affectedObjectCorrelationId!;
    expect((await list(`affectedObjectCorrelationId eq '${item}' and fabricName eq 'f1'`)).length).toBe(5);
    const times = all.map((e) => e.properties!.timeOfOccurrence!.getTime()).sort((a, b) => a - b);
    const future = new Date(times[times.length - 1] + 60_000).toISOString();
    expect(await list(`startTime eq '${future}'`)).toEqual([]);
    expect((await list(`startTime eq '${new Date(times[0]).toISOString()}' and endTime eq '${future}'`)).length).toBe(all.length);
    expect(await list(`timeOfOccurrence lt '${new Date(times[0]).toISOString()}'`)).toEqual([]);

    for (const [filter, says] of [
      ["severity eq 'Urgent'", "severity 'Urgent' is none of Critical, Warning, Info"],
      ["colour eq 'red'", "unknown field 'colour'"],
      ["severity ne 'Info'", "cannot read a clause at 'severity ne"],
      ["severity eq 'Info' or eventType eq 'JobStatus'", "expected 'and'"],
      ["startTime eq 'yesterday'", "'yesterday' is not a time"],
      ["eventType gt 'A'", "'eventType' takes only eq"],
    ]) {
      const err = await failure(list(filter));
      expect(err).toMatchObject({ statusCode: 400, code: 'InvalidFilter' });
      expect(err.message).toContain(says);
    }
    const unknown = await failure(client.replicationEvents.get(VAULT, RG, '00000000-0000-0000-0000-000000000001'));
    expect(unknown).toMatchObject({ statusCode: 404, code: 'NotFound' });
  });

  /** The write a MetadataHealthReporter makes for a health change, and then no publish: the process is gone. */
  async function writeWithoutPublishing(name: string): Promise<string> {
    await suite.h.protect(name, POLICY);
    const id = `replicationfabrics|f1|replicationprotectioncontainers|c1|replicationprotecteditems|${name}`;
    const item = (await suite.h.store.getResource<ProtectedItemProperties>(VAULT_KEY, id))!;
    const draft: ReplicationEventDraft = {
      eventCode: 'ReplicationHealthChanged', eventType: 'VmHealth', severity: 'Warning', description: `Replication health of ${name} changed from Normal to Warning`,
      affectedObjectFriendlyName: name, affectedObjectCorrelationId: item.armId, timeOfOccurrence: new Date().toISOString(), healthErrors: [],
    };
    await suite.h.store.replaceResource(appendToOutbox({ ...item, properties: { ...item.properties, replicationHealth: 'Warning' } }, 'resources', [draft]), { ifMatch: item._etag });
    expect((await suite.h.store.getResource(VAULT_KEY, id))!.outbox).toHaveLength(1);
    return id;
  }

  it('an event committed with its state change is listed even when the writer died before publishing it', async () => {
    const id = await writeWithoutPublishing('vm-crash');
    const events = await list("affectedObjectFriendlyName eq 'vm-crash'");
    expect(events.map((e) => [e.properties!.eventCode, e.properties!.severity])).toEqual([['ReplicationHealthChanged', 'Warning']]);
    expect((await suite.h.store.getResource(VAULT_KEY, id))!.outbox).toEqual([]);
    expect(await list("affectedObjectFriendlyName eq 'vm-crash'")).toHaveLength(1); // published once
  });

  it('the outbox sweep (deliverEvents timer) publishes what a dead writer left, across vaults', async () => {
    const id = await writeWithoutPublishing('vm-crash2');
    expect(await new EventOutbox(suite.h.store).flushAll()).toBe(1);
    expect((await suite.h.store.getResource(VAULT_KEY, id))!.outbox).toEqual([]);
    const stored = await suite.h.store.listEvents(VAULT_KEY, { affectedObjectFriendlyName: 'vm-crash2' });
    expect(stored.items.map((e) => e.properties.eventCode)).toEqual(['ReplicationHealthChanged']);
    expect(await new EventOutbox(suite.h.store).flushAll()).toBe(0);
  });

  it('a job raises started, suspended (with how to resume), succeeded; recording the same events again raises nothing more', async () => {
    const recorder = new JobRecorder(suite.h.store);
    const job = await createJob('job-ev-1');
    const t = (s: number) => new Date(T0 + s * 1000).toISOString();
    const run: JobEvent[][] = [
      [{ type: 'jobStarted', at: t(1) }, { type: 'taskStarted', taskId: 'smoke', at: t(1) }],
      [{ type: 'taskSuspended', taskId: 'smoke', at: t(2), description: 'Waiting for the manual action: run the smoke test', jobDescription: 'Waiting for the manual action', allowedActions: ['Resume'] }],
      [{ type: 'jobResumed', at: t(3) }, { type: 'taskSucceeded', taskId: 'smoke', at: t(3) }],
      [{ type: 'jobSucceeded', at: t(4) }],
    ];
    for (const events of run) {
      await recorder.record(VAULT_KEY, job.name, events);
      await recorder.record(VAULT_KEY, job.name, events); // the orchestrator replays: same events, no new ones
    }
    const events = await list("eventType eq 'JobStatus' and affectedObjectFriendlyName eq 'plan-ev'");
    expect(codesOf(events)).toEqual(['JobStarted', 'JobSuspended', 'JobSucceeded']);
    const suspended = events.find((e) => e.properties!.eventCode === 'JobSuspended')!;
    expect(suspended.properties).toMatchObject({
      severity: 'Warning', description: expect.stringContaining('run the smoke test'),
      eventSpecificDetails: { instanceType: 'JobStatus', jobId: job.armId, jobStatus: 'Suspended' },
    });
    expect((suspended.properties as { recommendedAction?: string }).recommendedAction).toContain(`asr job resume ${VAULT} job-ev-1`);
    // Its phases (top-level steps): started and finished, once each although every write was recorded twice.
    const phases = await list("eventType eq 'JobStepStatus' and affectedObjectFriendlyName eq 'plan-ev'");
    expect(phases.reverse().map((e) => [e.properties!.eventCode, e.properties!.description])).toEqual([
      ['JobStepStarted', 'Test failover of plan-ev: Manual action smoke started'],
      ['JobStepSucceeded', 'Test failover of plan-ev: Manual action smoke finished'],
    ]);
    expect(phases[1].properties!.eventSpecificDetails).toMatchObject({ jobId: job.armId, taskId: 'smoke', taskState: 'Succeeded' });

    const failed = await createJob('job-ev-2');
    await recorder.record(VAULT_KEY, failed.name, [{ type: 'jobStarted', at: t(10) }]);
    await recorder.record(VAULT_KEY, failed.name, [{ type: 'jobFailed', at: t(11), error: { code: 'MachineStartFailed', message: 'web01 did not start', possibleCauses: '', recommendedAction: 'Check the boot diagnostics' } }]);
    const bad = await list("eventType eq 'JobStatus' and severity eq 'Critical'");
    expect(bad.map((e) => [e.properties!.eventCode, e.properties!.description])).toEqual([['JobFailed', expect.stringContaining('MachineStartFailed: web01 did not start')]]);
    expect((bad[0].properties as { recommendedAction?: string }).recommendedAction).toBe('Check the boot diagnostics');
  });

  it('vault health counts items by health (RPO judged now) and lists problems worst first; asr vault health prints them', async () => {
    const now = Date.now();
    const replicated = async (name: string) => {
      const disk = await suite.h.protect(name, POLICY);
      const src = new SourceDisk(suite.tmp, disk, 8 * MIB);
      src.io('write -P 0x41 0 64k');
      await uploadLog(suite.h.blobs, disk, 1n, src.cutLog({ cutTimeMs: now }).bytes);
      await mergeDisk(suite.h.deps(), disk);
      return { disk, src };
    };
    await replicated('vm-h1');
    const broken = await replicated('vm-h2');
    broken.src.io('write -P 0x42 1M 64k');
    await uploadLog(suite.h.blobs, broken.disk, 2n, broken.src.cutLog({ cutTimeMs: now + 1000 }).bytes.subarray(0, 100));
    expect((await mergeDisk(suite.h.deps(), broken.disk)).outcome).toBe('quarantined');
    const lagging = await replicated('vm-h3');
    await suite.h.deps().health.raise(lagging.disk, { code: 'ReplicationLag', severity: 'Warning', message: 'logs wait longer than the policy allows', recommendedAction: 'Check the agent' });

    // Earlier tests left vm-ev (replicated weeks ago: its RPO is Critical), vm-crash and vm-crash2 (never replicated: Normal).
    const health = await client.replicationVaultHealth.get(VAULT, RG);
    const items = health.properties!.protectedItemsHealth!;
    expect(items.resourceCount).toBe(6);
    expect(items.categorizedResourceCounts).toEqual({ Critical: 2, Warning: 1, Normal: 3 });
    expect(items.issues!.map((i) => [i.severity, i.summaryCode, i.affectedResourceCorrelationIds!.map((id) => id.split('/').pop())])).toEqual([
      ['Error', 'LogQuarantined', ['vm-h2']],
      ['Error', 'RpoThresholdExceeded', ['vm-ev']],
      ['Warning', 'ReplicationLag', ['vm-h3']],
    ]);
    expect(health.id).toBe(`${V}/replicationVaultHealth/default`);

    const operator = siteRecoveryClient(harness.url, SUB, await issuer.mintToken({ role: 'Operator', subject: 'otto' }));
    const refreshed = await operator.replicationVaultHealth.beginRefreshAndWait(VAULT, RG, { updateIntervalInMs: 100 });
    expect(refreshed.properties!.protectedItemsHealth!.categorizedResourceCounts).toEqual({ Critical: 2, Warning: 1, Normal: 3 });
    const readerRefresh = await failure(client.replicationVaultHealth.beginRefreshAndWait(VAULT, RG));
    expect(readerRefresh).toMatchObject({ statusCode: 403 });

    const run = await runAsrInProcess([registerVaultCommands], ['vault', 'health', VAULT], {
      ASR_ENDPOINT: harness.url, ASR_DEV_ISSUER_DIR: keys.path, ASR_SUBSCRIPTION: SUB, ASR_RESOURCE_GROUP: RG, ASR_TOKEN: undefined,
    });
    expect(run.err).toBe('');
    const lines = run.out.trimEnd().split('\n');
    expect(lines[0]).toBe(`vault ${VAULT}: 6 protected item(s): 2 Critical, 1 Warning, 3 Normal`);
    expect(lines[1]).toMatch(/^SEVERITY\s+PROBLEM\s+ITEMS\s+EXAMPLE$/);
    expect(lines.slice(2).map((l) => l.split(/\s+/).slice(0, 3))).toEqual([
      ['Error', 'LogQuarantined', 'vm-h2'], ['Error', 'RpoThresholdExceeded', 'vm-ev'], ['Warning', 'ReplicationLag', 'vm-h3'],
    ]);
  }, 60_000);

  async function createJob(name: string): Promise<RecoveryJobDocument> {
    const planId = `${V}/replicationRecoveryPlans/plan-ev`;
    const doc = {
      id: name, vaultKey: VAULT_KEY, name, armId: `${V}/replicationJobs/${name}`, createdAt: new Date(T0).toISOString(),
      properties: {
        activityId: name, scenarioName: 'TestFailover', friendlyName: 'Test failover of plan-ev', state: 'NotStarted', stateDescription: 'NotStarted',
        tasks: [{ taskId: 'smoke', name: 'smoke', friendlyName: 'Manual action smoke', state: 'NotStarted', stateDescription: 'NotStarted', taskType: 'ManualActionTask', allowedActions: [], errors: [] }],
        errors: [], startTime: new Date(T0).toISOString(), allowedActions: ['Cancel'], targetObjectId: planId, targetObjectName: 'plan-ev', targetInstanceType: 'RecoveryPlan', customDetails: {},
      },
      recovery: { input: {} },
    } as unknown as RecoveryJobDocument;
    return suite.h.store.createJob(doc);
  }

  it('a recovery point cut that fails raises RecoveryPointCutFailed on the item (log still applied); the next merged log cuts one and health is Normal again', async () => {
    const disk = await suite.h.protect('vm-cut', POLICY);
    const src = new SourceDisk(suite.tmp, disk, 8 * MIB);
    const real = suite.h.deps().recorder;
    // The metadata store refuses the point's record once (as a throttled or unreachable Cosmos DB would); the snapshot was taken.
    let refusals = 1;
    const recorder = { ...real, list: real.list.bind(real), remove: real.remove.bind(real),
      record: async (p: Parameters<typeof real.record>[0]) => {
        if (refusals-- > 0) throw new Error('Request rate is large (429): the recovery point record was refused');
        return real.record(p);
      } };
    src.io('write -P 0x91 0 1M');
    await uploadLog(suite.h.blobs, disk, 1n, src.cutLog({ cutTimeMs: T0 }).bytes);
    const failed = await mergeDisk(suite.h.deps({ recorder }), disk);
    expect(failed).toMatchObject({ outcome: 'merged', applied: [1n], pointsCut: [], pointCutFailed: { sequence: 1n, message: expect.stringContaining('429') } });
    expect(await real.list(disk)).toEqual([]);

    const raised = await list("affectedObjectFriendlyName eq 'vm-cut'");
    expect(codesOf(raised)).toEqual(['ReplicationHealthChanged', 'RecoveryPointCutFailed']);
    expect(raised[0].properties).toMatchObject({
      eventCode: 'RecoveryPointCutFailed', eventType: 'VmHealth', severity: 'Warning', affectedObjectFriendlyName: 'vm-cut',
      affectedObjectCorrelationId: expect.stringMatching(/\/replicationProtectedItems\/vm-cut$/),
      description: expect.stringMatching(/^vm-cut, disk disk0: The CrashConsistent recovery point of disk disk0 after log 1 .* could not be cut: Request rate is large/),
    });
    expect(raised[0].properties!.healthErrors).toEqual([expect.objectContaining({ errorCode: 'RecoveryPointCutFailed', errorLevel: 'Warning', entityId: 'disk0' })]);
    expect(codesOf(await list("eventCode eq 'RecoveryPointCutFailed'"))).toEqual(['RecoveryPointCutFailed']);

    // The next log (the store answers again) is due to cut: it does, and the issue closes.
    src.io('write -P 0x92 2M 64k');
    await uploadLog(suite.h.blobs, disk, 2n, src.cutLog({ cutTimeMs: T0 + 300_000 }).bytes);
    const next = await mergeDisk(suite.h.deps({ recorder }), disk);
    expect(next.pointsCut.map((p) => p.sequence)).toEqual([2n]);
    expect(next.pointCutFailed).toBeUndefined();
    expect((await real.list(disk)).map((p) => p.sequence)).toEqual([2n]);
    expect(await suite.h.health('vm-cut')).toMatchObject({ replicationHealth: 'Normal', healthErrors: [] });
    const after = await list("affectedObjectFriendlyName eq 'vm-cut'");
    expect(codesOf(after)).toEqual(['ReplicationHealthChanged', 'RecoveryPointCutFailed', 'ReplicationHealthChanged']);
    expect(after[0].properties).toMatchObject({ severity: 'Info', description: expect.stringContaining('from Warning to Normal') });
  }, 120_000);
});
