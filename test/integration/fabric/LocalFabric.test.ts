import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyFingerprint } from '../../../shared/crypto';
import { FABRIC_CONTAINERS, FabricError, FabricTags, LocalFabric, MachineSpec, MaterializedDisk } from '../../../shared/fabric';
import { DiskRef, mergeDisk, ReplicationPolicy } from '../../../shared/replication';
import { materializeTargetDisk } from '../../../shared/recovery/activities/materializeTargetDisk';
import { tempDir } from '../../support/tempDir';
import { startReplicationHarness, ReplicationHarness } from '../replication/replicationHarness';
import { CutLog, qemuSame, SourceDisk, uploadLog, writeImage } from '../replication/SourceDisk';

const MIB = 1024 * 1024;
const T0 = Date.UTC(2026, 10, 22, 1, 0);
const POLICY: ReplicationPolicy = { replicationInterval: 30, recoveryPointHistoryDurationInHours: 24, applicationConsistentSnapshotFrequencyInHours: 0 };
const RG = 'rg-dr-test';

describe('LocalFabric: machines from real recovery points (Azurite, Cosmos DB, qemu-img)', () => {
  let h: ReplicationHarness;
  let fabric: LocalFabric;
  const tmp = tempDir('fabric-local-');
  let disk: DiskRef;
  const logs: CutLog[] = [];
  const tags = (job: string, extra: Partial<FabricTags> = {}): FabricTags => ({ vault: disk.vault, plan: 'plan-web', job, item: disk.item, scenario: 'TestFailover', ...extra });
  const ips = new Map<string, string>(); // one static IP per machine name, as a plan would map them
  const ipOf = (name: string) => ips.get(name) ?? (ips.set(name, `10.1.0.${ips.size + 4}`), ips.get(name)!);
  const spec = (name: string, disks: MaterializedDisk[], job: string, extra: Partial<MachineSpec> = {}): MachineSpec => ({
    resourceGroup: RG, name, size: 'Standard_D2s_v3', disks, nics: [{ network: 'vnet-test', subnet: 'app', staticIp: ipOf(name) }], testNetwork: true, tags: tags(job), ...extra,
  });
  const materialize = (machineName: string, job: string, point = { kind: 'latestProcessed' } as const) =>
    materializeTargetDisk({ replication: h.deps(), fabric }, { source: disk, point, resourceGroup: RG, machineName, tags: tags(job) });
  const diskBlob = (machine: string, d: DiskRef = disk) => h.blobs.getContainerClient(FABRIC_CONTAINERS.disks).getPageBlobClient(`${RG}/${machine}/${d.disk}.vhd`);
  const sameAsSource = async (machine: string, image: Buffer, d: DiskRef = disk) => {
    const vhd = join(tmp.path, `${machine}.vhd`);
    writeFileSync(vhd, await diskBlob(machine, d).downloadToBuffer());
    return qemuSame(writeImage(join(tmp.path, `${machine}.raw`), image), vhd);
  };

  beforeAll(async () => {
    h = await startReplicationHarness();
    fabric = new LocalFabric({ blobs: h.blobs, faultFailStart: ['vm-injected'] });
    disk = await h.protect('vm-web', POLICY);
    const src = new SourceDisk(tmp.path, disk, 4 * MIB);
    for (let i = 0; i < 3; i++) {
      src.io(`write -P 0x${(0x21 + i).toString(16)} ${i * 300}k 64k`, `write -P 0x${(0x71 + i).toString(16)} ${2048 + i * 100}k 4k`);
      const log = src.cutLog({ cutTimeMs: T0 + i * 10 * 60_000, full: i === 0 });
      logs.push(log);
      await uploadLog(h.blobs, disk, log.sequence, log.bytes);
      await mergeDisk(h.deps(), disk);
    }
  }, 180_000);
  afterAll(async () => {
    await h?.stop();
    tmp.cleanup();
  });

  it('materialises a disk at a chosen point: qemu-img finds it identical to the source at that cut, not at another', async () => {
    const d = await materialize('vm-old', 'job-1', { kind: 'sequence', sequence: '2' } as never);
    expect(d).toMatchObject({ name: 'vm-old-disk0', sequence: '2', dataBytes: 4 * MIB, sizeBytes: 4 * MIB + 512, decrypted: false, pointTime: new Date(logs[1].cutTimeMs).toISOString() });
    expect(d.expectedDigest).toBe(d.sourceDigest);
    expect((await sameAsSource('vm-old', logs[1].image)).same).toBe(true);
    expect((await sameAsSource('vm-old', logs[2].image)).same).toBe(false);

    const latest = await materialize('vm-web1', 'job-1');
    expect(latest.sequence).toBe('3');
    expect((await sameAsSource('vm-web1', logs[2].image)).same).toBe(true);
    // Materialising again (a replayed activity) gives the same disk; the rewrite gives its blob a new ETag.
    const { verifiedEtag, ...again } = await materialize('vm-web1', 'job-1');
    expect({ ...again, verifiedEtag: latest.verifiedEtag }).toEqual(latest);
    expect(verifiedEtag).not.toBe(latest.verifiedEtag);
  });

  it('creates a machine idempotently, refuses a different spec under the same name, starts it after checking its disks', async () => {
    const d = await materialize('vm-web2', 'job-2');
    const created = await fabric.createMachine(spec('vm-web2', [d], 'job-2'));
    expect(created).toMatchObject({ name: 'vm-web2', powerState: 'Stopped', nics: [{ subnet: 'app', privateIp: ipOf('vm-web2') }], disks: ['vm-web2-disk0'], testNetwork: true });
    expect(await fabric.createMachine(spec('vm-web2', [d], 'job-2'))).toEqual(created);
    await expect(fabric.createMachine(spec('vm-web2', [d], 'job-2', { size: 'Standard_D8s_v3' }))).rejects.toMatchObject({ code: 'MachineConflict' });

    const started = await fabric.startMachine({ resourceGroup: RG, name: 'vm-web2' });
    expect(started.powerState).toBe('Running');
    expect(await fabric.startMachine({ resourceGroup: RG, name: 'vm-web2' })).toEqual(started);
    const check = await fabric.checkMachine({ resourceGroup: RG, name: 'vm-web2' });
    expect(check).toMatchObject({ healthy: true, powerState: 'Running' });
    expect(check.checks.map((c) => c.name)).toEqual(['powerState', 'disk vm-web2-disk0']);
    expect((await fabric.stopMachine({ resourceGroup: RG, name: 'vm-web2' })).powerState).toBe('Stopped');
    expect((await fabric.checkMachine({ resourceGroup: RG, name: 'vm-web2' })).healthy).toBe(false);
    await expect(fabric.startMachine({ resourceGroup: RG, name: 'no-such-vm' })).rejects.toMatchObject({ code: 'MachineNotFound' });
    await expect(fabric.createMachine(spec('vm-nodisk', [], 'job-2'))).rejects.toMatchObject({ code: 'InvalidFabricRequest' });
  });

  it('fails LOUDLY when a disk no longer matches the source digest, and records the machine Failed', async () => {
    const d = await materialize('vm-tampered', 'job-3');
    await fabric.createMachine(spec('vm-tampered', [d], 'job-3'));
    // One flipped page in the middle of the disk, as silent corruption would leave it.
    await diskBlob('vm-tampered').uploadPages(Buffer.alloc(512, 0x5a), 1 * MIB, 512);
    const err = await fabric.startMachine({ resourceGroup: RG, name: 'vm-tampered' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FabricError);
    expect(err).toMatchObject({ code: 'DiskDigestMismatch', details: { expectedDigest: d.expectedDigest } });
    const fe = err as FabricError;
    expect(fe.message).toContain('vm-tampered-disk0');
    expect(fe.toJobError()).toMatchObject({ errorCode: 'DiskDigestMismatch', possibleCauses: expect.stringContaining('modified'), recommendedAction: expect.stringContaining('fail over again') });
    expect(await fabric.getMachine({ resourceGroup: RG, name: 'vm-tampered' })).toMatchObject({ powerState: 'Failed', lastError: { code: 'DiskDigestMismatch' } });
    // The recovery point it came from is untouched (on Azurite a server-side copy would have shared the write).
    await materialize('vm-again', 'job-3');
    expect((await sameAsSource('vm-again', logs[2].image)).same).toBe(true);
  });

  it('refuses a disk whose VHD footer was damaged (checksum) before reading its data', async () => {
    const d = await materialize('vm-footer', 'job-3');
    await fabric.createMachine(spec('vm-footer', [d], 'job-3'));
    const blob = diskBlob('vm-footer');
    const footer = await blob.downloadToBuffer(4 * MIB, 512);
    footer[48 + 7] ^= 0x02; // current size, low byte: the checksum no longer matches
    await blob.uploadPages(footer, 4 * MIB, 512);
    await expect(fabric.startMachine({ resourceGroup: RG, name: 'vm-footer' })).rejects.toMatchObject({ code: 'DiskFooterInvalid', message: expect.stringContaining('checksum') });
    const check = await fabric.checkMachine({ resourceGroup: RG, name: 'vm-footer' });
    expect(check.checks[1]).toMatchObject({ ok: false, detail: expect.stringContaining('DiskFooterInvalid') });
  });

  it('FAULT INJECTION: a tagged machine or a configured name fails to start with MachineStartFailed', async () => {
    const d1 = await materialize('vm-injected', 'job-4');
    await fabric.createMachine(spec('vm-injected', [d1], 'job-4'));
    await expect(fabric.startMachine({ resourceGroup: RG, name: 'vm-injected' })).rejects.toMatchObject({ code: 'MachineStartFailed', message: expect.stringContaining('FAULT INJECTION') });
    const d2 = await materialize('vm-tagged', 'job-4');
    await fabric.createMachine(spec('vm-tagged', [d2], 'job-4', { tags: tags('job-4', { faultInjection: 'FailStart' }) }));
    await expect(fabric.startMachine({ resourceGroup: RG, name: 'vm-tagged' })).rejects.toMatchObject({ code: 'MachineStartFailed' });
    expect((await fabric.getMachine({ resourceGroup: RG, name: 'vm-tagged' }))?.powerState).toBe('Failed');
  });

  it('cleanup by job tag removes that job\'s machines and stray disks, and nothing else; deletes are idempotent', async () => {
    const a = await materialize('vm-a1', 'job-clean');
    await fabric.createMachine(spec('vm-a1', [a], 'job-clean'));
    await materialize('vm-a2', 'job-clean'); // disk only: the failover stopped before createMachine
    const b = await materialize('vm-b1', 'job-keep');
    await fabric.createMachine(spec('vm-b1', [b], 'job-keep'));

    const listed = await fabric.listResources({ job: 'job-clean' });
    expect(listed.map((r) => `${r.kind}:${r.name}`).sort()).toEqual(['disk:vm-a1-disk0', 'disk:vm-a2-disk0', 'machine:vm-a1']);
    expect(listed.every((r) => r.tags.plan === 'plan-web' && r.tags.item === 'vm-web')).toBe(true);

    const result = await fabric.cleanup({ job: 'job-clean' });
    expect(result.deleted).toHaveLength(3);
    expect(await fabric.listResources({ job: 'job-clean' })).toEqual([]);
    expect(await diskBlob('vm-a2').exists()).toBe(false);
    expect(await fabric.getMachine({ resourceGroup: RG, name: 'vm-b1' })).toBeDefined();
    expect(await diskBlob('vm-b1').exists()).toBe(true);

    expect(await fabric.deleteMachine({ resourceGroup: RG, name: 'vm-a1' })).toBe(false);
    expect(await fabric.deleteMachine({ resourceGroup: RG, name: 'vm-b1' })).toBe(true);
    expect(await fabric.listResources({ job: 'job-keep' })).toEqual([]);
    await expect(fabric.cleanup({})).rejects.toMatchObject({ code: 'InvalidFabricRequest' });
  });

  it('a static IP is held by one machine per network until that machine is deleted', async () => {
    const first = await materialize('vm-ip1', 'job-ip');
    await fabric.createMachine(spec('vm-ip1', [first], 'job-ip'));
    const second = await materialize('vm-ip2', 'job-ip');
    const sameIp = spec('vm-ip2', [second], 'job-ip', { nics: [{ network: 'vnet-test', subnet: 'app', staticIp: ipOf('vm-ip1') }] });
    await expect(fabric.createMachine(sameIp)).rejects.toMatchObject({ code: 'IpAddressInUse', details: { ip: ipOf('vm-ip1'), heldBy: { name: 'vm-ip1' } } });
    expect(await fabric.getMachine({ resourceGroup: RG, name: 'vm-ip2' })).toBeUndefined();
    // The same address in another network (the production network, not the test one) is free.
    await fabric.createMachine({ ...sameIp, nics: [{ network: 'vnet-prod', subnet: 'app', staticIp: ipOf('vm-ip1') }], testNetwork: false });
    await fabric.deleteMachine({ resourceGroup: RG, name: 'vm-ip2' });
    await fabric.deleteMachine({ resourceGroup: RG, name: 'vm-ip1' });
    await materialize('vm-ip2', 'job-ip');
    expect((await fabric.createMachine(sameIp)).nics[0].privateIp).toBe(ipOf('vm-ip1'));
  });

  it('decrypts an encrypted item with the key given per call; refuses no key and a wrong key', async () => {
    const key = randomBytes(64);
    const enc = await h.protect('vm-enc', POLICY, { keyFingerprint: keyFingerprint(key) });
    const src = new SourceDisk(tmp.path, enc, 2 * MIB, { key });
    src.io('write -P 0x3c 0 128k', 'write -P 0xc3 1M 8k');
    const log = src.cutLog({ cutTimeMs: T0, full: true });
    await uploadLog(h.blobs, enc, log.sequence, log.bytes);
    await mergeDisk(h.deps(), enc);
    const req = { source: enc, point: { kind: 'latestProcessed' } as const, resourceGroup: RG, machineName: 'vm-enc', tags: { ...tags('job-enc'), item: 'vm-enc' } };

    const materializeDisk = (r: typeof req & { key?: Buffer }) => materializeTargetDisk({ replication: h.deps(), fabric }, r);
    await expect(materializeDisk(req)).rejects.toMatchObject({ code: 'EncryptionKeyRequired', message: expect.stringContaining('encrypted') });
    await expect(materializeDisk({ ...req, key: randomBytes(64) })).rejects.toMatchObject({ code: 'InvalidRequestBody', message: expect.stringContaining('is not the key of') });
    const d = await materializeDisk({ ...req, key });
    expect(d.decrypted).toBe(true);
    expect(d.expectedDigest).not.toBe(d.sourceDigest);
    expect((await sameAsSource('vm-enc', log.image, enc)).same).toBe(true);
    await fabric.createMachine(spec('vm-enc', [d], 'job-enc', { tags: { ...tags('job-enc'), item: 'vm-enc' } }));
    expect((await fabric.startMachine({ resourceGroup: RG, name: 'vm-enc' })).powerState).toBe('Running');
  });
});
