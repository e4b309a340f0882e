import { randomBytes } from 'node:crypto';
import { TableClient, TableServiceClient } from '@azure/data-tables';
import { QueueServiceClient } from '@azure/storage-queue';
import { keyFingerprint } from '../../../shared/crypto';
import { createSite, jobOf, ReplicatedDisk, startRecoveryHost, V, VAULT_KEY, waitForJob, type RecoveryHost } from './recoveryHarness';

const MIB = 1024 * 1024;
const T0 = Date.UTC(2026, 10, 22, 5, 0);
const ended = (j: any) => ['Succeeded', 'Failed', 'Cancelled'].includes(j.properties.state);

/**
 * An encrypted item fails over with the key supplied in the request; the key is never stored:
 * not in Durable Functions' history, queues or large-message blobs, not in the job, not in the
 * host's log. Only a sealed copy (AES-GCM under the host's secret, bound to the job) rides
 * through the orchestration.
 */
describe('failover of an encrypted item with a key supplied per request (funclocal)', () => {
  let h: RecoveryHost;
  let ids: Record<string, string>;
  let disk: ReplicatedDisk;
  const key = randomBytes(64);
  const wrong = randomBytes(64);

  beforeAll(async () => {
    h = await startRecoveryHost();
    ids = await createSite(h, [{ name: 'enc', disks: ['os'], keyFingerprint: keyFingerprint(key) }], { encrypted: true });
    disk = new ReplicatedDisk(h, 'enc', 'os', 2 * MIB, key);
    await disk.change(T0, ['write -P 0x5a 0 512k'], { full: true });
    await disk.change(T0 + 300_000, ['write -P 0x5b 1M 64k']);
  }, 240_000);

  afterAll(async () => {
    await h?.stop();
  });

  const body = (k?: Buffer) => ({
    properties: { failoverDirection: 'PrimaryToRecovery', networkId: 'test-vnet', providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', ...(k ? { primaryKekCertificatePfx: k.toString('base64') } : {}) } },
  });

  it('refuses a key that is not the item\'s, before anything starts', async () => {
    const r = await h.call('POST', `${ids.enc}/testFailover`, body(wrong), 'Operator');
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain("not the key of 'enc'");
    const short = await h.call('POST', `${ids.enc}/testFailover`, body(randomBytes(32)), 'Operator');
    expect(short.status).toBe(400);
    expect((await h.call('GET', `${V}/replicationJobs`, undefined, 'Reader')).body.value).toEqual([]);
  });

  it('without a key the job fails its prerequisites, saying to supply one', async () => {
    const job = jobOf(await h.call('POST', `${ids.enc}/testFailover`, body(), 'Operator'));
    const done = await waitForJob(h, job, ended);
    expect(done.properties.state).toBe('Failed');
    expect(done.properties.errors[0]).toMatchObject({ taskId: 'prereq', serviceErrorDetails: { code: 'EncryptionKeyRequired' } });
    const cleanup = jobOf(await h.call('POST', `${ids.enc}/testFailoverCleanup`, {}, 'Operator'));
    expect((await waitForJob(h, cleanup, ended)).properties.state).toBe('Succeeded');
  });

  it('with the key, the recovered disk is the plaintext source, and the key is nowhere in storage, the job or the log', async () => {
    const job = jobOf(await h.call('POST', `${ids.enc}/testFailover`, body(key), 'Operator'));
    const done = await waitForJob(h, job, (j) => j.properties.stateDescription === 'WaitingForStopTestFailover' || ended(j));
    expect(done.properties.state).toBe('Suspended');
    expect((await disk.sameAs('asr-recovery/enc-dr-test/os.vhd', disk.logs[1])).same).toBe(true);

    const needles = [key.toString('base64'), key.toString('hex'), key.toString('base64url'), key.subarray(0, 24).toString('base64')];
    const haystacks: string[] = [];
    const tables = TableServiceClient.fromConnectionString(h.azurite.connectionString, { allowInsecureConnection: true });
    for await (const t of tables.listTables()) {
      const client = TableClient.fromConnectionString(h.azurite.connectionString, t.name!, { allowInsecureConnection: true });
      for await (const e of client.listEntities()) haystacks.push(JSON.stringify(e));
    }
    const queues = QueueServiceClient.fromConnectionString(h.azurite.connectionString);
    for await (const q of queues.listQueues()) {
      const peeked = await queues.getQueueClient(q.name).peekMessages({ numberOfMessages: 32 });
      for (const m of peeked.peekedMessageItems) haystacks.push(m.messageText, Buffer.from(m.messageText, 'base64').toString('utf8'));
    }
    for await (const c of h.blobs.listContainers()) {
      if (['vhds', 'fabric-disks', 'hrl', 'hrl-journal'].includes(c.name)) continue; // disk content, not metadata
      for await (const b of h.blobs.getContainerClient(c.name).listBlobsFlat()) {
        haystacks.push((await h.blobs.getContainerClient(c.name).getBlobClient(b.name).downloadToBuffer()).toString('latin1'));
      }
    }
    const jobs = await h.store.listJobs(VAULT_KEY);
    haystacks.push(JSON.stringify(jobs.items), h.host.logs());
    expect(haystacks.length).toBeGreaterThan(10);
    // The history does hold the orchestration input: proof that the scan reads it.
    expect(haystacks.some((s) => s.includes('wrappedKey'))).toBe(true);
    for (const n of needles) expect(haystacks.filter((s) => s.includes(n))).toEqual([]);
  }, 120_000);
});
