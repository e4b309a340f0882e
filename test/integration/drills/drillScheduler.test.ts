import { ensureMetadataStore, type MetadataStore } from '../../../shared/metadata';
import { DrillRunStore, DrillScheduler, type DrillScheduleDocument, type DrillScheduleProperties } from '../../../shared/drills';
import type { OrchestrationControl } from '../../../shared/recovery/service/OrchestrationControl';
import { startTestCosmos, type TestCosmos } from '../../support/cosmos';
import { storeDrillSchedule } from '../../support/storeDrillSchedule';

const VAULT_KEY = '00000000-0000-0000-0000-0000000000bb/dr-rg/vault1';
const V = '/subscriptions/00000000-0000-0000-0000-0000000000bb/resourceGroups/dr-rg/providers/Microsoft.RecoveryServices/vaults/vault1';

/** Records the orchestrations the scheduler starts (no Durable host here: the claim is what is under test). */
function countingControl(): OrchestrationControl & { started: { name: string; instanceId: string; input: unknown }[] } {
  const started: { name: string; instanceId: string; input: unknown }[] = [];
  return { started, async start(name, instanceId, input) { started.push({ name, instanceId, input }); }, async raiseEvent() { return true; } };
}

function putSchedule(store: MetadataStore, name: string, p: Partial<DrillScheduleProperties>): Promise<DrillScheduleDocument> {
  return storeDrillSchedule(store, { vaultKey: VAULT_KEY, vaultId: V, plan: 'shop', name }, p);
}

/** The scheduler against real Cosmos DB (the SDK against @vercel/cosmosdb-server): claims, the missed-run policy, time zones. */
describe('drill scheduler: one run per due time, missed drills recorded not replayed (Cosmos DB)', () => {
  let cosmos: TestCosmos;
  let store: MetadataStore;
  let n = 0;
  const db = () => `drills${++n}`;

  beforeAll(async () => {
    cosmos = await startTestCosmos();
  });
  afterAll(async () => {
    await cosmos.stop();
  });
  beforeEach(async () => {
    store = await ensureMetadataStore({ endpoint: cosmos.endpoint, key: cosmos.key, databaseId: db(), jobTtlSeconds: 3600, auditTtlSeconds: 3600 });
  });

  it('six schedulers (three hosts, each firing twice) in the same round start the due drill once', async () => {
    const schedule = await putSchedule(store, 'race', { activeSince: '2026-12-05T09:59:30.000Z' });
    const now = new Date('2026-12-05T10:00:02Z');
    const controls = Array.from({ length: 6 }, () => countingControl());
    const rounds = await Promise.all(controls.map((c) => new DrillScheduler(store, c).round(now)));
    expect(controls.flatMap((c) => c.started)).toHaveLength(1);
    expect(rounds.reduce((s, r) => s + r.started.length, 0)).toBe(1);
    // Each of the other five lost the claim (409) or, reading after it, found the due time taken: which, is timing.
    expect(rounds.reduce((s, r) => s + r.lostClaims, 0)).toBeLessThanOrEqual(5);
    const runs = await new DrillRunStore(store).list(schedule);
    expect(runs.map((r) => [r.name, r.properties.trigger, r.properties.phase])).toEqual([['t-20261205T100000Z', 'Timer', 'Claimed']]);
    expect(controls.flatMap((c) => c.started)[0]).toMatchObject({ name: 'drillRun', input: { vaultKey: VAULT_KEY, runId: runs[0].id } });
    // The next round of any of them starts nothing more for that due time.
    const again = await new DrillScheduler(store, controls[0]).round(new Date('2026-12-05T10:00:40Z'));
    expect(again.started).toEqual([]);
  });

  it('after a host was down, the newest due time within the grace window runs once, older ones are Missed (ten records, the rest counted), never a burst', async () => {
    const schedule = await putSchedule(store, 'down', { activeSince: '2026-12-05T09:29:30.000Z' });
    const control = countingControl();
    const r = await new DrillScheduler(store, control).round(new Date('2026-12-05T10:00:10Z'));
    expect(r.started).toHaveLength(1);
    expect(r.missed).toBe(10);
    const runs = await new DrillRunStore(store).list(schedule);
    const ran = runs.filter((x) => x.properties.phase === 'Claimed');
    const missed = runs.filter((x) => x.properties.result === 'Missed');
    expect(ran.map((x) => x.properties.dueTime)).toEqual(['2026-12-05T10:00:00.000Z']);
    expect(missed.map((x) => x.properties.dueTime)).toEqual(Array.from({ length: 10 }, (_, i) => new Date(Date.UTC(2026, 11, 5, 9, 50 + i)).toISOString()));
    expect(missed[0].properties.reason).toContain('(20 earlier due time(s) since 2026-12-05T09:29:30.000Z were missed too');
    expect(missed[1].properties.reason).toContain('missed drills never run in a burst');
    // Each Missed record raises its event with the write that records it.
    expect(missed[0].outbox?.map((e) => [e.properties.eventCode, e.properties.severity])).toEqual([['DrillMissed', 'Warning']]);
    // The backlog is consumed: the next round only looks past the newest run.
    const next = await new DrillScheduler(store, control).round(new Date('2026-12-05T10:00:50Z'));
    expect(next).toEqual({ started: [], missed: 0, lostClaims: 0 });
  });

  it('a due time first seen past the grace window is Missed, not run; the next one on time runs', async () => {
    const schedule = await putSchedule(store, 'late', { schedule: '0 0 * * * *', missedRunGraceSeconds: 300, activeSince: '2026-12-05T08:30:00.000Z' });
    const control = countingControl();
    const late = await new DrillScheduler(store, control).round(new Date('2026-12-05T09:20:00Z'));
    expect(late).toEqual({ started: [], missed: 1, lostClaims: 0 });
    const [missed] = await new DrillRunStore(store).list(schedule);
    expect(missed.properties).toMatchObject({ dueTime: '2026-12-05T09:00:00.000Z', result: 'Missed', phase: 'Done' });
    expect(missed.properties.reason).toContain('first saw this due time 1200 s late (hosts down or stopped), past the grace of 300 s');
    const onTime = await new DrillScheduler(store, control).round(new Date('2026-12-05T10:00:03Z'));
    expect(onTime.started).toHaveLength(1);
  });

  it('reads the schedule in its time zone (02:30 in Berlin is 01:30 UTC in winter); a disabled schedule starts nothing', async () => {
    const berlin = await putSchedule(store, 'berlin', { schedule: '0 30 2 * * *', timeZone: 'Europe/Berlin', activeSince: '2026-12-05T00:00:00.000Z' });
    await putSchedule(store, 'off', { enabled: false, activeSince: '2026-12-05T00:00:00.000Z' });
    const control = countingControl();
    expect((await new DrillScheduler(store, control).round(new Date('2026-12-05T01:29:59Z'))).started).toEqual([]);
    const r = await new DrillScheduler(store, control).round(new Date('2026-12-05T01:30:01Z'));
    expect(r.started).toEqual([`${berlin.armId}/drillRuns/t-20261205T013000Z`]);
  });
});
