import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { existsSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { protectItem } from '../../../shared/agent';
import { FAILBACK_CONTAINER, failbackLogBlob } from '../../../shared/contracts/FailbackTransfers';
import { keyFingerprint } from '../../../shared/crypto';
import { openDiskImage } from '../../../shared/disk';
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
    expect(delta).toMatchObject({ bytesChanged: changed.length * BLOCK, blocks: changed.length });
    // Idempotent: asked again, the same answer and nothing rewritten.
    expect(await prepareFailbackDelta(cloud.deps, item, 1, [{ diskId: 'disk0', blob: recovered, dataBytes: SIZE }])).toEqual(delta);
    expect(await failbackRoundProgress(cloud.deps, item, 'job-fb-1', 1)).toBe('Applying');
    const shipped = (await cloud.blobs.getContainerClient(FAILBACK_CONTAINER).getBlobClient(failbackLogBlob(item, 'job-fb-1', 1, 'disk0')).getProperties()).contentLength!;
    expect(shipped / (changed.length * BLOCK)).toBeLessThanOrEqual(1.1);
    expect(delta).toMatchObject({ bytesShipped: shipped });

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
    expect(await prepareFailbackDelta(cloud.deps, item, 2, [{ diskId: 'disk0', blob: recovered, dataBytes: SIZE }])).toMatchObject({ bytesChanged: again.length * BLOCK, blocks: again.length });
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
    expect(await prepareFailbackDelta(cloud.deps, item, 1, recoveredDisks, key)).toMatchObject({ bytesChanged: 8 * BLOCK, blocks: 8 });

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

  it.each([['vhdx', 'vhdx'], ['dynamic VHD', 'vpc']])('%s source disk: blocks are written in place, new ones allocated, and qemu-img checks the image clean and equal', async (_name, format) => {
    const disk = join(dir.path, `s.${format}`);
    // Small blocks (VHDX 1 MiB, VHD 2 MiB), so the writes below land in stored blocks and in blocks to allocate.
    execFileSync('qemu-img', ['create', '-q', '-f', format, ...(format === 'vhdx' ? ['-o', 'block_size=1M'] : []), disk, '12M']);
    execFileSync('qemu-io', ['-f', format, '-c', 'write -P 0x5a 0 3M', '-c', 'write -P 0x5b 9M 512k', disk]);
    const size = JSON.parse(execFileSync('qemu-img', ['info', '--output', 'json', '-f', format, disk], { encoding: 'utf8' }))['virtual-size'] as number;
    const before = await openDiskImage(disk);
    const allocatedBefore = before.allocatedBytes;
    await before.close();
    const stateDir = join(dir.path, `state-${format}`);
    const itemName = `vm-${format}`;
    const { state } = await protectItem(cloud.api, cloud.blobs, { vault: 'fb', item: itemName, diskPaths: [disk], policy: 'p30', stateDir, merge: { pollMs: 100 } });
    const item = { vault: state.vaultSegment, item: state.item };
    const asRaw = join(dir.path, `s-${format}.raw`);
    execFileSync('qemu-img', ['convert', '-f', format, '-O', 'raw', disk, asRaw]);
    const recovered = await recoveredBlobFrom(cloud, `rg/${itemName}/disk0.vhd`, asRaw);
    // Writes inside stored blocks and in blocks the image does not store yet (from 3 MiB to 9 MiB and past 9.5 MiB).
    for (const at of [4096, 1024 * 1024 + 8192, 5 * 1024 * 1024, 7 * 1024 * 1024 + 4096, 9 * 1024 * 1024 + 4096, 11 * 1024 * 1024]) {
      await recovered.uploadPages(randomBytes(BLOCK), at, BLOCK);
    }
    await requestFailbackRound(cloud.deps, item, roundRequest(`job-${format}`, 1, [{ diskId: 'disk0', dataBytes: size }]));
    expect(await agentServe(cloud, stateDir, 'fb', itemName)).toMatchObject({ state: 'waiting' });
    expect(await prepareFailbackDelta(cloud.deps, item, 1, [{ diskId: 'disk0', blob: recovered, dataBytes: size }])).toMatchObject({ blocks: 6 });
    expect(await agentServe(cloud, stateDir, 'fb', itemName)).toMatchObject({ state: 'applied', applied: { bytesApplied: 6 * BLOCK } });
    const recoveredFile = join(dir.path, `recovered-${format}.vhd`);
    await downloadBlob(recovered, recoveredFile);
    expect(qemuCompare(disk, format, recoveredFile, 'raw')).toMatchObject({ status: 0 });
    if (format === 'vhdx') {
      const check = spawnSync('qemu-img', ['check', '-f', format, disk], { encoding: 'utf8' });
      expect([check.status, check.stdout + check.stderr]).toEqual([0, expect.stringContaining('No errors')]);
    }
    // qemu-img cannot check a VHD; our reader validates its tables (no overlap, inside the file) on open.
    const image = await openDiskImage(disk);
    expect([image.format, image.virtualSize]).toEqual([format === 'vhdx' ? 'vhdx' : 'vhd-dynamic', size]);
    // The blocks written at 5 and 7 MiB were not stored before: now they are.
    expect(image.allocatedBytes).toBeGreaterThan(allocatedBefore);
    await image.close();
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
    const newFile = join(alternate, 'vmc-disk0.raw');
    expect(served).toMatchObject({ state: 'applied', applied: { disks: [{ diskId: 'disk0', path: newFile }] } });
    expect(existsSync(`${newFile}.partial`)).toBe(false);
    const recoveredFile = join(dir.path, 'recovered-c.vhd');
    await downloadBlob(recovered, recoveredFile);
    expect(qemuCompare(newFile, 'raw', recoveredFile, 'raw').status).toBe(0);
    // The protected file was not touched.
    expect(qemuCompare(disk, 'raw', recoveredFile, 'raw').status).toBe(1);
  });
});
