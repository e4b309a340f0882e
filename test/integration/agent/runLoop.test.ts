import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentBlobService, AgentStateStore, protectItem, ReplicationAgent, runAgent, syncItem, waitForMerge } from '../../../shared/agent';
import { SHUTDOWN_REQUEST_CONTAINER, SourceShutdownRequests } from '../../../shared/contracts/SourceShutdownRequests';
import { parseHrl } from '../../../shared/hrl';
import { journalBlob, REPLICA_CONTAINERS } from '../../../shared/replication';
import { azuriteConnectionString } from '../../../shared/config/developmentStorage';
import { tempDir } from '../../support/tempDir';
import { waitFor } from '../../support/waitFor';
import { AgentCloud, diskRefs, qemuCompare, qemuIo, snapshotImage, startAgentCloud } from './agentHarness';
import { startTcpGate, TcpGate } from './tcpGate';

const MiB = 1024 * 1024;

describe('asr agent run: cycles, survives a storage outage, stops on a planned failover', () => {
  let cloud: AgentCloud;
  let gate: TcpGate;
  const dir = tempDir('agent-run-');

  beforeAll(async () => {
    cloud = await startAgentCloud();
    gate = await startTcpGate(cloud.azurite.blobPort);
    await cloud.createVaultAndPolicy('v4', 'p30', false);
  });
  afterAll(async () => {
    await gate.stop();
    await cloud.stop();
    dir.cleanup();
  });

  it('retries through an outage, then ships final logs flagged for the planned failover and stops', async () => {
    const disks = [join(dir.path, 'a.raw'), join(dir.path, 'b.raw')];
    writeFileSync(disks[0], randomBytes(4 * MiB));
    writeFileSync(disks[1], Buffer.alloc(4 * MiB));
    const stateDir = join(dir.path, 'state');
    const { state } = await protectItem(cloud.api, cloud.blobs, { vault: 'v4', item: 'vm4', diskPaths: disks, policy: 'p30', stateDir, merge: { pollMs: 100 } });

    // The agent reaches storage only through the gate.
    const viaGate = agentBlobService(azuriteConnectionString('127.0.0.1', { blob: gate.port }));
    const retries: string[] = [];
    const lags: (number | undefined)[] = [];
    let cycles = 0;
    let onCycle: () => void = () => undefined;
    const run = runAgent(viaGate, {
      vault: 'v4', item: 'vm4', stateDir, intervalSeconds: 1, backoffMs: { first: 200, max: 1000 },
      onCycle: (_r, lag) => { cycles++; lags.push(lag); onCycle(); },
      onRetry: (err) => retries.push((err as { code?: string }).code ?? String(err)),
    });
    const cyclesReach = (n: number) => new Promise<void>((resolve) => {
      onCycle = () => { if (cycles >= n) resolve(); };
      onCycle();
    });
    await cyclesReach(1);

    const retriesBeforeCut = retries.length;
    await gate.cut();
    qemuIo(disks[1], 'raw', 'write -P 0x61 1M 256k');
    await waitFor(() => retries.length >= retriesBeforeCut + 2, { timeoutMs: 30_000, describe: () => `the agent to retry twice against the cut storage (retries so far: ${retries.join(', ') || 'none'})` });
    const before = cycles;
    await gate.restore();
    await cyclesReach(before + 1);

    const atFinal = join(dir.path, 'b-final.raw');
    snapshotImage(disks[1], 'raw', atFinal);
    // What the recovery service's planned failover writes (shared/recovery).
    await new SourceShutdownRequests(cloud.blobs.getContainerClient(SHUTDOWN_REQUEST_CONTAINER))
      .request({ vault: state.vaultSegment, item: state.item }, { jobId: 'job-pfo-1', requestedAt: new Date().toISOString(), shipFinalLog: true });
    const result = await run;
    expect(result.failover?.jobId).toBe('job-pfo-1');
    expect(lags.some((l) => l !== undefined && l >= 0 && l < 120)).toBe(true);
    const done = result.failover!;
    expect(done.finalLogs.map((l) => l.disk)).toEqual(['disk0', 'disk1']);
    // Nothing ships after the final log.
    await expect(syncItem(cloud.blobs, { vault: 'v4', item: 'vm4', stateDir, noWait: true })).rejects.toMatchObject({ code: 'FailedOver' });

    // Drained to the final logs, each replica equals its source, and the final logs say so.
    const refs = diskRefs(state);
    for (const [i, ref] of refs.entries()) {
      const final = done!.finalLogs[i];
      const vhd = join(dir.path, `r${i}.vhd`);
      let seen = 'nothing';
      await waitFor(async () => {
        const m = await cloud.materialize(ref, vhd);
        seen = `log ${m.sequence}`;
        return m.sequence === BigInt(final.sequence);
      }, { timeoutMs: 30_000, intervalMs: 200, describe: () => `disk ${i} to materialise at its final log ${final.sequence} (last: ${seen})` });
      expect(qemuCompare(i === 1 ? atFinal : disks[i], 'raw', vhd, 'vpc').status).toBe(0);
      const log = await cloud.blobs.getContainerClient(REPLICA_CONTAINERS.journal).getBlobClient(journalBlob(ref, 1n, BigInt(final.sequence))).downloadToBuffer();
      expect(parseHrl(log, {}).header.finalPlannedFailover).toBe(true);
    }
  });

  it('a log the merge refuses fails the sync with the quarantine reason; a merge that makes no progress times out, retryably', async () => {
    const disk = join(dir.path, 'q.raw');
    writeFileSync(disk, randomBytes(1 * MiB));
    const stateDir = join(dir.path, 'state-q');
    const { state } = await protectItem(cloud.api, cloud.blobs, { vault: 'v4', item: 'vmq', diskPaths: [disk], policy: 'p30', stateDir, merge: { pollMs: 100 } });
    const viaGate = agentBlobService(azuriteConnectionString('127.0.0.1', { blob: gate.port }));

    // The upload fails; the built log waits in the outbox. Damage it there, then let it go.
    qemuIo(disk, 'raw', 'write -P 0x99 0 64k');
    const agent = await ReplicationAgent.open(new AgentStateStore(stateDir, 'v4', 'vmq'), viaGate);
    await gate.cut();
    await expect(agent.cycle()).rejects.toBeDefined();
    await agent.close();
    await gate.restore();
    const outbox = join(stateDir, 'v4', 'vmq', 'outbox', 'disk0', '2.hrl');
    const bytes = readFileSync(outbox);
    bytes[bytes.length - 100] ^= 0xff;
    writeFileSync(outbox, bytes);
    await expect(syncItem(cloud.blobs, { vault: 'v4', item: 'vmq', stateDir, merge: { pollMs: 100, timeoutMs: 30_000 } }))
      .rejects.toMatchObject({ code: 'LogQuarantined', message: expect.stringContaining('CorruptFormat') });

    const never = { disk: { ...diskRefs(state)[0], disk: 'disk9' }, epoch: 1, sequence: 3 };
    await expect(waitForMerge(cloud.blobs, [never], { pollMs: 50, timeoutMs: 300 })).rejects.toMatchObject({ code: 'MergeTimeout', retryable: true });
  });
});
