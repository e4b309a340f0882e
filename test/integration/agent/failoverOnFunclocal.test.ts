import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AsrApiClient } from '../../../cli/api/AsrApiClient';
import { protectItem, runAgent, syncItem } from '../../../shared/agent';
import { CONTAINER, createSite, downloadRecoveredDisk, FABRIC, jobOf, P, RG, startRecoveryHost, SUB, VAULT, waitForJob, type RecoveryHost } from '../recovery/recoveryHarness';
import { qemuCompare, qemuIo, snapshotImage, startMergePump } from './agentHarness';
import { waitFor } from '../../support/waitFor';
import { ensureBuilt } from '../disk/qemu';

const MiB = 1024 * 1024;
const ended = (j: any) => ['Succeeded', 'Failed', 'Cancelled'].includes(j.properties.state);

/**
 * The agent against the whole app in funclocal (API, recovery orchestrations, local fabric):
 * protect a two-disk machine through the API, sync, test-fail it over, then fail it over for
 * real with `asr agent run` answering the planned failover's shutdown request.
 */
describe('asr agent with the recovery service on funclocal', () => {
  let h: RecoveryHost;
  let pump: { stop(): Promise<void> };

  beforeAll(async () => {
    ensureBuilt(); // the host runs dist/: `npm test` builds first, a lone run builds when it is missing
    h = await startRecoveryHost();
    await createSite(h, []);
    pump = startMergePump(h.blobs, h.replication);
  }, 240_000);
  afterAll(async () => {
    await pump?.stop();
    await h?.stop();
  });

  const recovered = (machine: string, disk: string) => downloadRecoveredDisk(h, machine, disk);

  it('test failover recovers both disks as of the sync; planned failover takes the final log from the running agent', async () => {
    const raw = join(h.dir, 'app-os.raw');
    const vhdx = join(h.dir, 'app-data.vhdx');
    writeFileSync(raw, Buffer.alloc(4 * MiB));
    qemuIo(raw, 'raw', 'write -P 0x11 0 1M');
    execFileSync('qemu-img', ['create', '-q', '-f', 'vhdx', vhdx, String(16 * MiB)]);
    qemuIo(vhdx, 'vhdx', 'write -P 0x21 2M 512k');
    const api = new AsrApiClient({ endpoint: h.host.baseUrl, subscriptionId: SUB, resourceGroup: RG, dataDir: h.dir, devIssuerDir: join(h.dir, 'dev-issuer') });
    const stateDir = join(h.dir, 'agent-state');
    await protectItem(api, h.blobs, { vault: VAULT, item: 'app', diskPaths: [raw, vhdx], policy: 'policy-30s', fabric: FABRIC, container: CONTAINER, stateDir, merge: { pollMs: 100 } });
    const item = `${P}/app`;
    expect((await h.call('PATCH', item, { properties: { recoveryAzureVMName: 'app-dr', selectedRecoveryAzureNetworkId: 'prod-vnet' } })).status).toBe(200);

    qemuIo(raw, 'raw', 'write -P 0x12 2M 64k');
    qemuIo(vhdx, 'vhdx', 'write -P 0x22 9M 4k');
    const atSync = [join(h.dir, 'os-at-sync.raw'), join(h.dir, 'data-at-sync.raw')];
    snapshotImage(raw, 'raw', atSync[0]);
    snapshotImage(vhdx, 'vhdx', atSync[1]);
    await syncItem(h.blobs, { vault: VAULT, item: 'app', stateDir, merge: { pollMs: 100 } });
    qemuIo(raw, 'raw', 'write -P 0x13 3M 4k'); // after the sync point: not in the test failover

    const test = jobOf(await h.call('POST', `${item}/testFailover`, { properties: { failoverDirection: 'PrimaryToRecovery', networkId: 'test-vnet' } }, 'Operator'));
    const tested = await waitForJob(h, test, (j) => ended(j) || /WaitingForStopTestFailover/.test(j.properties.stateDescription ?? ''), 90_000);
    expect(tested.properties.state).not.toBe('Failed');
    expect(qemuCompare(atSync[0], 'raw', await recovered('app-dr-test', 'disk0'), 'vpc').status).toBe(0);
    expect(qemuCompare(atSync[1], 'raw', await recovered('app-dr-test', 'disk1'), 'vpc').status).toBe(0);
    expect(qemuCompare(raw, 'raw', await recovered('app-dr-test', 'disk0'), 'vpc').status).toBe(1);
    const cleanup = jobOf(await h.call('POST', `${item}/testFailoverCleanup`, { properties: { comments: 'ok' } }, 'Operator'));
    expect((await waitForJob(h, cleanup, ended)).properties.state).toBe('Succeeded');

    // Planned failover: the running agent ships the final log (with the write made after the sync).
    const stop = new AbortController();
    const run = runAgent(h.blobs, { vault: VAULT, item: 'app', stateDir, intervalSeconds: 1, signal: stop.signal });
    let planned: string | undefined;
    try {
      // A 409 means the cleanup job still holds the item: ask again until it lets go.
      planned = await waitFor(async () => {
        const r = await h.call('POST', `${item}/plannedFailover`, { properties: { failoverDirection: 'PrimaryToRecovery' } });
        return r.status === 409 ? undefined : jobOf(r);
      }, { timeoutMs: 20_000, intervalMs: 200, describe: 'the item to accept a planned failover after the test cleanup' });
    } finally {
      if (!planned) stop.abort();
    }
    const stopped = await run;
    expect(stopped.failover?.jobId).toBe(planned);
    const done = await waitForJob(h, planned!, ended, 90_000);
    expect(done.properties.state).toBe('Succeeded');
    expect(qemuCompare(raw, 'raw', await recovered('app-dr', 'disk0'), 'vpc').status).toBe(0);
    expect(qemuCompare(vhdx, 'vhdx', await recovered('app-dr', 'disk1'), 'vpc').status).toBe(0);
  }, 240_000);

  it('repairReplication on the app: 202, the poll waits for the agent; a running agent serves the request and the poll ends Protected', async () => {
    const raw = join(h.dir, 'repair-os.raw');
    writeFileSync(raw, Buffer.alloc(4 * MiB));
    qemuIo(raw, 'raw', 'write -P 0x31 0 2M');
    const api = new AsrApiClient({ endpoint: h.host.baseUrl, subscriptionId: SUB, resourceGroup: RG, dataDir: h.dir, devIssuerDir: join(h.dir, 'dev-issuer') });
    const stateDir = join(h.dir, 'agent-state-repair');
    await protectItem(api, h.blobs, { vault: VAULT, item: 'repair1', diskPaths: [raw], policy: 'policy-30s', fabric: FABRIC, container: CONTAINER, stateDir, merge: { pollMs: 100 } });

    const started = await h.call('POST', `${P}/repair1/repairReplication`, {});
    expect(started.status).toBe(202);
    const location = started.headers.get('location')!;
    expect(location).toMatch(/\/replicationProtectedItems\/repair1\/repairReplicationResults\/2\?/);
    expect((await h.call('GET', location)).status).toBe(202); // no agent has run yet

    const stop = new AbortController();
    const run = runAgent(h.blobs, { vault: VAULT, item: 'repair1', stateDir, intervalSeconds: 1, signal: stop.signal, api });
    let done: { status: number; body: any } | undefined;
    try {
      for (let i = 0; i < 300 && done?.status !== 200; i++) {
        done = await h.call('GET', location);
        if (done.status === 202) await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      stop.abort();
      await run;
    }
    expect(done).toMatchObject({ status: 200, body: { name: 'repair1', properties: { protectionState: 'Protected' } } });
  }, 120_000);
});
