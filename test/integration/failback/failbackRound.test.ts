import { join } from 'node:path';
import { existsSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { protectItem } from '../../../shared/agent';
import { FAILBACK_CONTAINER, failbackLogBlob } from '../../../shared/contracts/FailbackTransfers';
import { keyFingerprint } from '../../../shared/crypto';
import {
  failbackDigestsEqual, failbackRoundProgress, prepareFailbackDelta, requestFailbackRound, clearFailbackRequest,
} from '../../../shared/replication';
import { tempDir } from '../../support/tempDir';
import { AgentCloud, qemuCompare, startAgentCloud } from '../agent/agentHarness';
import { agentServe, BLOCK, downloadBlob, qemuDisk, recoveredBlobFrom, roundRequest, writeRandomBlocks } from './failbackHarness';

/** 10000 KiB: not whole MiB, so the recovered VHD blob (10 MiB + footer) is larger than the source disk. */
const SIZE = 10_000 * 1024;

describe('failback data path: the recovered disk comes home as replica logs in reverse', () => {
  let cloud: AgentCloud;
  const dir = tempDir('failback-');

  beforeAll(async () => {
    cloud = await startAgentCloud();
    await cloud.createVaultAndPolicy('fb', 'p30', false);
    await cloud.createVaultAndPolicy('fbe', 'p30e', true);
  });
  afterAll(async () => {
    await cloud.stop();
    dir.cleanup();
  });

  it('ships only the changed blocks (≤ 1.1 × the bytes changed), the source equals the recovered disk, and a second round ships only the new delta', async () => {
    const disk = join(dir.path, 'a.raw');
    qemuDisk(disk, '10000k', ['write -P 0x11 0 3M', 'write -P 0x22 6M 1M', 'write -P 0x33 9996k 4k']);
    const stateDir = join(dir.path, 'state-a');
    const { state } = await protectItem(cloud.api, cloud.blobs, { vault: 'fb', item: 'vma', diskPaths: [disk], policy: 'p30', stateDir, merge: { pollMs: 100 } });
    const item = { vault: state.vaultSegment, item: state.item };
    const recovered = await recoveredBlobFrom(cloud, 'rg/vma/disk0.vhd', disk);
    // The workload in the target fabric writes 1 % of the blocks.
    const changed = await writeRandomBlocks(recovered, SIZE, Math.ceil(SIZE / BLOCK / 100));

    await requestFailbackRound(cloud.deps, item, roundRequest('job-fb-1', 1, [{ diskId: 'disk0', dataBytes: SIZE }]));
    expect(await failbackRoundProgress(cloud.deps, item, 'job-fb-1', 1)).toBe('WaitingForDigests');
    expect(await prepareFailbackDelta(cloud.deps, item, 1, [{ diskId: 'disk0', blob: recovered, dataBytes: SIZE }])).toBe('WaitingForDigests');
    expect(await agentServe(cloud, stateDir, 'fb', 'vma')).toMatchObject({ state: 'waiting', digestsReported: true });
    expect(await failbackRoundProgress(cloud.deps, item, 'job-fb-1', 1)).toBe('Shipping');

    const delta = await prepareFailbackDelta(cloud.deps, item, 1, [{ diskId: 'disk0', blob: recovered, dataBytes: SIZE }]);
    expect(delta).toEqual({ bytesChanged: changed.length * BLOCK, blocks: changed.length });
    // Idempotent: asked again, the same answer and nothing rewritten.
    expect(await prepareFailbackDelta(cloud.deps, item, 1, [{ diskId: 'disk0', blob: recovered, dataBytes: SIZE }])).toEqual(delta);
    expect(await failbackRoundProgress(cloud.deps, item, 'job-fb-1', 1)).toBe('Applying');
    const shipped = (await cloud.blobs.getContainerClient(FAILBACK_CONTAINER).getBlobClient(failbackLogBlob(item, 'job-fb-1', 1, 'disk0')).getProperties()).contentLength!;
    expect(shipped / (changed.length * BLOCK)).toBeLessThanOrEqual(1.1);

    const served = await agentServe(cloud, stateDir, 'fb', 'vma');
    expect(served).toMatchObject({ state: 'applied', resumed: false, applied: { bytesApplied: changed.length * BLOCK } });
    const progress = await failbackRoundProgress(cloud.deps, item, 'job-fb-1', 1);
    expect(progress).toMatchObject({ applied: { bytesApplied: changed.length * BLOCK, disks: [{ diskId: 'disk0', path: disk }] } });
    expect((await failbackDigestsEqual(cloud.deps, item, 'job-fb-1', 1)).equal).toBe(true);
    const recoveredFile = join(dir.path, 'recovered-a.vhd');
    await downloadBlob(recovered, recoveredFile);
    expect(qemuCompare(disk, 'raw', recoveredFile, 'raw').status).toBe(0);

    // (e) The workload writes again; round 2 ships only the new delta.
    const again = await writeRandomBlocks(recovered, SIZE, 7);
    await requestFailbackRound(cloud.deps, item, roundRequest('job-fb-1', 2, [{ diskId: 'disk0', dataBytes: SIZE }]));
    expect(await agentServe(cloud, stateDir, 'fb', 'vma')).toMatchObject({ state: 'waiting', digestsReported: true });
    expect(await prepareFailbackDelta(cloud.deps, item, 2, [{ diskId: 'disk0', blob: recovered, dataBytes: SIZE }])).toEqual({ bytesChanged: again.length * BLOCK, blocks: again.length });
    expect(await agentServe(cloud, stateDir, 'fb', 'vma')).toMatchObject({ state: 'applied', applied: { bytesApplied: again.length * BLOCK } });
    await downloadBlob(recovered, recoveredFile);
    expect(qemuCompare(disk, 'raw', recoveredFile, 'raw').status).toBe(0);
    expect((await failbackDigestsEqual(cloud.deps, item, 'job-fb-1', 2)).equal).toBe(true);

    await clearFailbackRequest(cloud.deps, item);
    expect(await agentServe(cloud, stateDir, 'fb', 'vma')).toEqual({ state: 'none' });
  });

  it('encrypted item: the delta in storage is ciphertext, the agent applies it with its key, a wrong key is refused', async () => {
    const keyFile = join(dir.path, 'key');
    const key = randomBytes(64);
    writeFileSync(keyFile, key.toString('hex'));
    const disk = join(dir.path, 'e.raw');
    qemuDisk(disk, '10000k', ['write -P 0x44 0 2M']);
    const stateDir = join(dir.path, 'state-e');
    const { state } = await protectItem(cloud.api, cloud.blobs, { vault: 'fbe', item: 'vme', diskPaths: [disk], policy: 'p30e', stateDir, keyFile, merge: { pollMs: 100 } });
    const item = { vault: state.vaultSegment, item: state.item };
    const recovered = await recoveredBlobFrom(cloud, 'rg/vme/disk0.vhd', disk);
    // A recognisable plaintext pattern the workload writes in 8 blocks.
    const pattern = Buffer.alloc(BLOCK, 0);
    for (let i = 0; i < BLOCK; i += 16) Buffer.from('PLAINTEXT-MARK!!').copy(pattern, i);
    for (const b of [5, 6, 7, 100, 1000, 1001, 2000, 2499]) await recovered.uploadPages(pattern, b * BLOCK, BLOCK);

    await requestFailbackRound(cloud.deps, item, roundRequest('job-fbe', 1, [{ diskId: 'disk0', dataBytes: SIZE }], { encrypted: true, keyFingerprint: keyFingerprint(key) }));
    expect(await agentServe(cloud, stateDir, 'fbe', 'vme')).toMatchObject({ state: 'waiting' });
    const recoveredDisks = [{ diskId: 'disk0', blob: recovered, dataBytes: SIZE }];
    // The service refuses a wrong key, and no key, with a clear error.
    await expect(prepareFailbackDelta(cloud.deps, item, 1, recoveredDisks, randomBytes(64))).rejects.toMatchObject({ code: 'WrongEncryptionKey' });
    await expect(prepareFailbackDelta(cloud.deps, item, 1, recoveredDisks)).rejects.toMatchObject({ code: 'EncryptionKeyRequired' });
    expect(await prepareFailbackDelta(cloud.deps, item, 1, recoveredDisks, key)).toEqual({ bytesChanged: 8 * BLOCK, blocks: 8 });

    const log = await cloud.blobs.getContainerClient(FAILBACK_CONTAINER).getBlobClient(failbackLogBlob(item, 'job-fbe', 1, 'disk0')).downloadToBuffer();
    expect(log.includes(Buffer.from('PLAINTEXT-MARK!!'))).toBe(false);
    expect(log.length).toBeGreaterThan(8 * BLOCK);

    // The agent with another key file is refused before it touches anything.
    const wrongFile = join(dir.path, 'wrong-key');
    writeFileSync(wrongFile, randomBytes(64).toString('hex'));
    await expect(agentServe(cloud, stateDir, 'fbe', 'vme', { keyFile: wrongFile })).rejects.toMatchObject({ code: 'WrongEncryptionKey' });

    expect(await agentServe(cloud, stateDir, 'fbe', 'vme')).toMatchObject({ state: 'applied', applied: { bytesApplied: 8 * BLOCK } });
    const recoveredFile = join(dir.path, 'recovered-e.vhd');
    await downloadBlob(recovered, recoveredFile);
    expect(qemuCompare(disk, 'raw', recoveredFile, 'raw').status).toBe(0);
  });

  it('CreateVmIfNotFound: writes a new disk file in the named directory, equal to the recovered disk', async () => {
    const disk = join(dir.path, 'c.raw');
    qemuDisk(disk, '10000k', ['write -P 0x55 1M 1M']);
    const stateDir = join(dir.path, 'state-c');
    const { state } = await protectItem(cloud.api, cloud.blobs, { vault: 'fb', item: 'vmc', diskPaths: [disk], policy: 'p30', stateDir, merge: { pollMs: 100 } });
    const item = { vault: state.vaultSegment, item: state.item };
    const recovered = await recoveredBlobFrom(cloud, 'rg/vmc/disk0.vhd', disk);
    await writeRandomBlocks(recovered, SIZE, 10);
    const alternate = join(dir.path, 'alternate');
    (await import('node:fs')).mkdirSync(alternate);

    await requestFailbackRound(cloud.deps, item, roundRequest('job-fbc', 1, [{ diskId: 'disk0', dataBytes: SIZE }], { alternateDirectory: alternate }));
    expect(await agentServe(cloud, stateDir, 'fb', 'vmc')).toMatchObject({ state: 'waiting' });
    const delta = await prepareFailbackDelta(cloud.deps, item, 1, [{ diskId: 'disk0', blob: recovered, dataBytes: SIZE }]);
    // Nothing is there: every stored block of the recovered disk ships (1 MiB written + up to 10 random blocks).
    expect(delta).toMatchObject({ blocks: expect.any(Number) });
    expect((delta as { blocks: number }).blocks).toBeGreaterThanOrEqual(256);
    const served = await agentServe(cloud, stateDir, 'fb', 'vmc');
    const newFile = join(alternate, 'disk0.raw');
    expect(served).toMatchObject({ state: 'applied', applied: { disks: [{ diskId: 'disk0', path: newFile }] } });
    expect(existsSync(`${newFile}.partial`)).toBe(false);
    const recoveredFile = join(dir.path, 'recovered-c.vhd');
    await downloadBlob(recovered, recoveredFile);
    expect(qemuCompare(newFile, 'raw', recoveredFile, 'raw').status).toBe(0);
    // The protected file was not touched.
    expect(qemuCompare(disk, 'raw', recoveredFile, 'raw').status).toBe(1);
  });
});
