import { resolve } from 'node:path';
import { ServiceBusClient, type ServiceBusReceivedMessage, type ServiceBusReceiver } from '@azure/service-bus';
import { vaultSegmentOf } from '../../../shared/contracts/vaultSegment';
import { startServiceBusStandIn, type ServiceBusStandIn } from '../../../devhost/emulators/serviceBus/ServiceBusStandIn';
import { loadServiceBusStandInConfig } from '../../../devhost/emulators/serviceBus/serviceBusStandInConfig';
import { siteRecoveryClient } from '../api/siteRecoveryClient';
import { waitFor } from '../../support/waitFor';
import { createSite, ReplicatedDisk, RG, startRecoveryHost, SUB, V, VAULT, VAULT_KEY, type RecoveryHost, waitForJob } from '../recovery/recoveryHarness';

const MIB = 1024 * 1024;
const T0 = Date.UTC(2026, 10, 22, 3, 0);
const fast = { updateIntervalInMs: 200 };

/**
 * Events reach the Service Bus topic `asr-events` (the local STAND-IN, received with the real
 * @azure/service-bus client from subscription `all`), sent by the whole app's deliverEvents
 * timer under funclocal: in order per object, once each after dropping duplicates by messageId,
 * and also when the host was killed between the state change and its send.
 */
describe('events to the Service Bus topic asr-events (npm start app, real @azure/service-bus receiver)', () => {
  let sb: ServiceBusStandIn;
  let client: ServiceBusClient;
  let receiver: ServiceBusReceiver;
  let h: RecoveryHost;
  const received: ServiceBusReceivedMessage[] = [];
  /** Messages by id, the first of each: what a receiver that drops duplicates keeps. */
  const unique = () => [...new Map(received.map((m) => [m.messageId as string, m])).values()];

  beforeAll(async () => {
    sb = await startServiceBusStandIn({ port: 0, config: loadServiceBusStandInConfig() });
    client = new ServiceBusClient(sb.connectionString);
    receiver = client.createReceiver('asr-events', 'all');
    receiver.subscribe({ processMessage: async (m) => { received.push(m); }, processError: async () => undefined });
    h = await startRecoveryHost({ ASR_SERVICEBUS_CONNECTION: sb.connectionString }, { app: resolve(__dirname, '../../..') });
  }, 240_000);

  afterAll(async () => {
    await h?.stop();
    await receiver?.close();
    await client?.close();
    await sb?.stop();
  });

  it('a test failover (started, suspended at the manual action, succeeded) and a quarantined log arrive in order, each once', async () => {
    const ids = await createSite(h, [{ name: 'sb1', disks: ['os'] }]);
    const disk = new ReplicatedDisk(h, 'sb1', 'os', 2 * MIB);
    await disk.change(T0, ['write -P 0x61 0 256k'], { full: true });
    await disk.change(T0 + 300_000, ['write -P 0x62 1M 64k']);
    const operator = siteRecoveryClient(h.host.baseUrl, SUB, await h.token('Operator'));
    const contributor = siteRecoveryClient(h.host.baseUrl, SUB, await h.token('Contributor'));
    const manual = { actionName: 'smoke-test', failoverTypes: ['TestFailover'], failoverDirections: ['PrimaryToRecovery'], customDetails: { instanceType: 'ManualActionDetails', description: 'Run the smoke test' } };
    await contributor.replicationRecoveryPlans.beginCreateAndWait(VAULT, RG, 'sb-plan', {
      properties: {
        primaryFabricId: `${V}/replicationFabrics/hv-site`, recoveryFabricId: 'Microsoft Azure', failoverDeploymentModel: 'ResourceManager',
        groups: [{ groupType: 'Boot', replicationProtectedItems: [{ id: ids.sb1 }], endGroupActions: [manual as never] }],
      },
    });
    const plan = await operator.replicationRecoveryPlans.beginTestFailoverAndWait(VAULT, RG, 'sb-plan', {
      properties: { failoverDirection: 'PrimaryToRecovery', networkType: 'VmNetworkAsInput', networkId: 'sb-test-vnet', providerSpecificDetails: [{ instanceType: 'HyperVReplicaAzure', recoveryPointType: 'LatestProcessed' } as never] },
    }, fast);
    const jobName = plan.properties!.currentScenario!.jobId!.split('/').pop()!;
    await operator.replicationJobs.beginResumeAndWait(VAULT, RG, jobName, { properties: { comments: 'smoke test passed' } }, fast);
    await waitForJob(h, jobName, (j) => j.properties.stateDescription === 'WaitingForStopTestFailover');
    await operator.replicationRecoveryPlans.beginTestFailoverCleanupAndWait(VAULT, RG, 'sb-plan', { properties: { comments: 'done' } }, fast);

    await h.replication.health.raise({ vault: vaultSegmentOf(VAULT_KEY), item: 'sb1', disk: 'os' },
      { code: 'LogQuarantined', severity: 'Critical', message: 'log 3 of os was quarantined', recommendedAction: 'Resync the disk' });

    // The job's own events (type JobStatus); its phases travel as JobStepStatus, which a subscription may filter out.
    const ofJob = () => unique().filter((m) => m.applicationProperties!.type === 'JobStatus' && String(m.body.event.properties.eventSpecificDetails?.jobId ?? '').endsWith(`/${jobName}`));
    await waitFor(() => ofJob().some((m) => m.applicationProperties!.eventCode === 'JobSucceeded') || undefined, { timeoutMs: 60_000, intervalMs: 200, describe: 'the job\'s events on the topic' });
    // Both of the quarantine's events (the health change, then the quarantine): they are two
    // messages, and the receiver may hold the first while the second is still on its way.
    await waitFor(() => unique().some((m) => m.applicationProperties!.affectedObject === 'sb1' && m.applicationProperties!.eventCode === 'LogQuarantined') || undefined,
      { timeoutMs: 60_000, intervalMs: 200, describe: 'the quarantine event on the topic' });

    // The job's events, in the order they happened (suspended at the manual action, then waiting for the cleanup).
    expect(ofJob().map((m) => m.applicationProperties!.eventCode)).toEqual(['JobStarted', 'JobSuspended', 'JobSuspended', 'JobSucceeded']);
    expect(ofJob()[1].body.event.properties.description).toContain('Run the smoke test');
    const quarantine = unique().filter((m) => m.applicationProperties!.affectedObject === 'sb1');
    expect(quarantine.map((m) => [m.applicationProperties!.eventCode, m.applicationProperties!.type, m.applicationProperties!.severity, m.applicationProperties!.vault]))
      .toEqual([['ReplicationHealthChanged', 'VmHealth', 'Critical', VAULT], ['LogQuarantined', 'VmHealth', 'Critical', VAULT]]);
    expect(quarantine[0].body.text).toContain('LogQuarantined: log 3 of os was quarantined');
    // The message id is the event's stable name, as listed by replicationEvents.
    const listed = await h.store.listEvents(VAULT_KEY, { affectedObjectFriendlyName: 'sb1' });
    expect(listed.items.map((e) => e.name)).toContain(quarantine[0].messageId);
    // The sender records a delivery after the topic accepted it: the receiver may see the
    // message a moment before that record is written.
    await waitFor(async () => (await h.store.listEvents(VAULT_KEY, { affectedObjectFriendlyName: 'sb1' })).items
      .every((e) => e.delivery?.deliveredTo.includes('servicebus:asr-events')) || undefined,
    { timeoutMs: 30_000, intervalMs: 200, describe: 'every sb1 event recorded as delivered to servicebus:asr-events' });
  }, 180_000);

  it('after kill -9 of the host between the state change and its send, the restarted host sends the event', async () => {
    // Back to healthy first (sent while the host runs), so the next quarantine is a change again.
    const disk = { vault: vaultSegmentOf(VAULT_KEY), item: 'sb1', disk: 'os' };
    await h.replication.health.clear(disk, ['LogQuarantined']);
    await waitFor(() => unique().some((m) => m.applicationProperties!.affectedObject === 'sb1' && m.applicationProperties!.severity === 'Info') || undefined,
      { timeoutMs: 60_000, intervalMs: 200, describe: 'the back-to-healthy event' });
    await h.host.kill('SIGKILL');
    // The state change commits its event into the outbox while no host runs: nothing sent it.
    await h.replication.health.raise(disk,
      { code: 'LogQuarantined', severity: 'Critical', message: 'log 9 of os was quarantined', recommendedAction: 'Resync the disk' });
    const before = received.length;
    await new Promise((r) => setTimeout(r, 1000));
    expect(received.length).toBe(before);
    await h.restart(false); // the host is already gone: this starts it again on the same port
    await waitFor(() => unique().some((m) => String(m.body.text).includes('log 9 of os') && m.applicationProperties!.eventCode === 'LogQuarantined') || undefined,
      { timeoutMs: 60_000, intervalMs: 200, describe: 'the restarted host to send the events' });
    // Once each: the health change and the quarantine it carries.
    expect(unique().filter((m) => String(m.body.text).includes('log 9 of os')).map((m) => m.applicationProperties!.eventCode)).toEqual(['ReplicationHealthChanged', 'LogQuarantined']);
  }, 180_000);
});
