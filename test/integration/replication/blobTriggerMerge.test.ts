import { join } from 'node:path';
import { readReplica, replicaClient, ReplicationPolicy } from '../../../shared/replication';
import { startFunclocal, RunningFunclocal } from '../../support/funclocal';
import { tempDir } from '../../support/tempDir';
import { waitFor } from '../../support/waitFor';
import { startReplicationHarness, ReplicationHarness } from './replicationHarness';
import { downloadReplica, qemuSame, SourceDisk, uploadLog } from './SourceDisk';

const MIB = 1024 * 1024;
const T0 = Date.UTC(2026, 10, 22, 5, 0);
const POLICY: ReplicationPolicy = { replicationInterval: 30, recoveryPointHistoryDurationInHours: 1, applicationConsistentSnapshotFrequencyInHours: 0 };
const APP = join(__dirname, 'fixture-app');

describe('end to end: blob trigger in funclocal -> merge (real compiled app function)', () => {
  let h: ReplicationHarness;
  let host: RunningFunclocal | undefined;
  const tmp = tempDir('merge-e2e-');
  const start = () => startFunclocal({
    app: APP, storage: h.azurite.connectionString, cosmos: h.cosmos.endpoint,
    env: {
      COSMOS_KEY: h.cosmos.key, COSMOS_DATABASE: 'replication', FUNCLOCAL_BLOB_POLL_MS: '200',
      // Small, serial Put Page calls make a merge slow enough to kill in the middle; a short
      // lease lets the restarted host take over quickly.
      REPLICATION_MAX_PUT_BYTES: String(64 * 1024), REPLICATION_PUT_CONCURRENCY: '1', REPLICATION_LEASE_SECONDS: '15',
    },
  });
  beforeAll(async () => {
    h = await startReplicationHarness();
    host = await start();
  }, 120_000);
  afterAll(async () => {
    await host?.stop();
    await h.stop();
    tmp.cleanup();
  });

  /** Waits until the replica records `seq` as its last applied log; fails naming the last one seen. */
  async function waitForSequence(disk: Parameters<typeof replicaClient>[1], seq: bigint, ms: number): Promise<bigint> {
    let last: bigint | undefined;
    await waitFor(async () => {
      last = (await readReplica(replicaClient(h.deps(), disk)))?.state?.lastAppliedSequence;
      return last === seq;
    }, { timeoutMs: ms, intervalMs: 200, describe: () => `the replica of ${disk.item} to reach log ${seq} (last: ${last ?? 'none'})` });
    return seq;
  }

  it('logs uploaded out of order are merged by their triggers into a replica equal to the source', async () => {
    const disk = await h.protect('vm-e2e', POLICY);
    const src = new SourceDisk(tmp.path, disk, 8 * MIB);
    const logs = [];
    for (let i = 0; i < 3; i++) {
      src.io(`write -P 0x${(0xa0 + i).toString(16)} ${i * 2}M 1M`, `write -P 0x${(0xb0 + i).toString(16)} 7M ${4 * (i + 1)}k`);
      logs.push(src.cutLog({ cutTimeMs: T0 + i * 30_000 }));
    }
    for (const l of [logs[2], logs[0], logs[1]]) await uploadLog(h.blobs, disk, l.sequence, l.bytes);
    expect(await waitForSequence(disk, 3n, 30_000)).toBe(3n);
    const vhd = join(tmp.path, 'e2e.vhd');
    await downloadReplica(h.blobs, disk, vhd);
    expect(qemuSame(src.path, vhd).same).toBe(true);
    // The replica's own state is written before the merge records itself in Cosmos DB and logs
    // its line, so the line can lag the state the wait above saw.
    await waitFor(() => /merge of .*vm-e2e\/disk0: merged/.test(host!.logs()), { timeoutMs: 10_000, describe: 'the host to log the merge of vm-e2e/disk0' });
  }, 60_000);

  it('a host killed mid-merge leaves the log unapplied; the restarted host finishes it identically', async () => {
    const disk = await h.protect('vm-e2e-kill', POLICY);
    const src = new SourceDisk(tmp.path, disk, 64 * MIB);
    src.io('write -P 0x11 0 1M');
    const l1 = src.cutLog({ cutTimeMs: T0 });
    await uploadLog(h.blobs, disk, 1n, l1.bytes);
    expect(await waitForSequence(disk, 1n, 30_000)).toBe(1n);
    src.io('write -P 0x22 1M 40M', 'write -P 0x33 50M 8M');
    const l2 = src.cutLog({ cutTimeMs: T0 + 30_000 });
    const before = await replicaClient(h.deps(), disk).getProperties();
    await uploadLog(h.blobs, disk, 2n, l2.bytes);
    // Kill as soon as the replica's pages start changing (its ETag moves), before the log completes.
    const blob = replicaClient(h.deps(), disk);
    await waitFor(async () => (await blob.getProperties()).etag !== before.etag, { timeoutMs: 30_000, intervalMs: 20, describe: 'the merge of log 2 to start writing pages (the replica\'s ETag to move)' });
    await host!.kill('SIGKILL');
    const state = (await readReplica(blob))!.state!;
    expect(state.lastAppliedSequence).toBe(1n);
    const mid = join(tmp.path, 'kill-mid.vhd');
    await downloadReplica(h.blobs, disk, mid);
    expect(qemuSame(src.path, mid).same).toBe(false);

    host = await start();
    expect(await waitForSequence(disk, 2n, 90_000)).toBe(2n);
    const vhd = join(tmp.path, 'kill-end.vhd');
    await downloadReplica(h.blobs, disk, vhd);
    expect(qemuSame(src.path, vhd).same).toBe(true);
  }, 150_000);
});
