import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyFingerprint } from '../../../shared/crypto';
import { materializeToPoint, mergeDisk, REPLICA_CONTAINERS, ReplicationPolicy } from '../../../shared/replication';
import { useReplicationHarness } from './replicationHarness';
import { downloadReplica, qemuSame, SourceDisk, uploadLog } from './SourceDisk';

const MIB = 1024 * 1024;
const T0 = Date.UTC(2026, 10, 22, 3, 0);
const POLICY: ReplicationPolicy = { replicationInterval: 300, recoveryPointHistoryDurationInHours: 4, applicationConsistentSnapshotFrequencyInHours: 0 };

/** True when `hay` holds a whole 4 KiB unit of `byte`: the plaintext qemu-io -P wrote. */
function holdsPattern(hay: Buffer, byte: number): boolean {
  return hay.indexOf(Buffer.alloc(4096, byte)) >= 0;
}

describe('encrypted logs: the cloud merges ciphertext and never holds the key', () => {
  const suite = useReplicationHarness('merge-xts-');
  const key = randomBytes(64);

  it('the replica holds no plaintext, and materialising with the key gives back the source', async () => {
    const disk = await suite.h.protect('vm-xts', POLICY, { keyFingerprint: keyFingerprint(key) });
    const src = new SourceDisk(suite.tmp, disk, 8 * MIB, { key });
    const rounds = [['write -P 0xab 0 1M', 'write -P 0xcd 5M 256k'], ['write -P 0xef 2M 64k', 'write -P 0xab 7M 4k'], ['write -z 0 64k', 'write -P 0x5e 8188k 4k']];
    for (const [i, cmds] of rounds.entries()) {
      src.io(...cmds);
      const log = src.cutLog({ cutTimeMs: T0 + i * 300_000 });
      await uploadLog(suite.h.blobs, disk, log.sequence, log.bytes);
      expect((await mergeDisk(suite.h.deps(), disk)).applied).toEqual([log.sequence]);
    }
    const vhd = join(suite.tmp, 'cipher.vhd');
    const replica = await downloadReplica(suite.h.blobs, disk, vhd);
    for (const byte of [0xab, 0xcd, 0xef, 0x5e]) expect(holdsPattern(replica, byte)).toBe(false);
    // The same bytes are in the source: the check is able to see them.
    expect(holdsPattern(src.image(), 0xab)).toBe(true);
    expect(qemuSame(src.path, vhd).same).toBe(false);

    const target = suite.h.blobs.getContainerClient(REPLICA_CONTAINERS.replicas).getPageBlobClient('restored/vm-xts.vhd');
    const r = await materializeToPoint(suite.h.deps(), disk, target, { key });
    expect(r).toMatchObject({ sequence: 3n, verified: true });
    const plain = join(suite.tmp, 'plain.vhd');
    writeFileSync(plain, await target.downloadToBuffer());
    expect(qemuSame(src.path, plain).same).toBe(true);
  });

  it('refuses a wrong key at failover, and a plain log on an encrypted disk', async () => {
    const disk = await suite.h.protect('vm-xts2', POLICY, { keyFingerprint: keyFingerprint(key) });
    const src = new SourceDisk(suite.tmp, disk, 8 * MIB, { key });
    src.io('write -P 0x11 0 64k');
    const log1 = src.cutLog({ cutTimeMs: T0 });
    await uploadLog(suite.h.blobs, disk, 1n, log1.bytes);
    await mergeDisk(suite.h.deps(), disk);
    const target = suite.h.blobs.getContainerClient(REPLICA_CONTAINERS.replicas).getPageBlobClient('restored/vm-xts2.vhd');
    await expect(materializeToPoint(suite.h.deps(), disk, target, { key: randomBytes(64) })).rejects.toMatchObject({ code: 'InvalidRequestBody' });

    const plainSrc = new SourceDisk(suite.tmp, { ...disk, disk: disk.disk }, 8 * MIB);
    plainSrc.io('write -P 0x22 0 64k');
    plainSrc.cutLog({ cutTimeMs: T0 });
    plainSrc.io('write -P 0x23 0 64k');
    const plain2 = plainSrc.cutLog({ cutTimeMs: T0 + 300_000 });
    await uploadLog(suite.h.blobs, disk, 2n, plain2.bytes);
    expect(await mergeDisk(suite.h.deps(), disk)).toMatchObject({ outcome: 'quarantined', quarantined: { code: 'HrlIdentityMismatch' } });
  });
});
