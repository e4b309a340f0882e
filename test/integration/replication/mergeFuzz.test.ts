import { randomBytes } from 'node:crypto';
import { parseHrl } from '../../../shared/hrl';
import { expectationFor, isLogRefusal, mergeDisk, REPLICA_CONTAINERS, replicaBlob, ReplicationPolicy } from '../../../shared/replication';
import { prng } from '../../unit/hrl/hrlFixtures';
import { useReplicationHarness } from './replicationHarness';
import { SourceDisk, uploadLog } from './SourceDisk';

const SEED = Number(process.env.MERGE_FUZZ_SEED ?? 4242);
const MIB = 1024 * 1024;
const T0 = Date.UTC(2026, 10, 22, 7, 0);
const POLICY: ReplicationPolicy = { replicationInterval: 30, recoveryPointHistoryDurationInHours: 1, applicationConsistentSnapshotFrequencyInHours: 0 };

/** One to three random damages: bit flips, byte overwrites, truncation, appended or spliced bytes. */
function mutate(base: Buffer, rand: () => number): Buffer {
  const int = (n: number) => Math.floor(rand() * n);
  let log = Buffer.from(base);
  for (let steps = 1 + int(3); steps > 0; steps--) {
    const at = int(log.length);
    switch (int(5)) {
      case 0: log[at] ^= 1 << int(8); break;
      case 1: log[at] = [0, 0xff, 0x80, int(256)][int(4)]; break;
      case 2: log = log.subarray(0, at); break;
      case 3: log = Buffer.concat([log, randomBytes(1 + int(64))]); break;
      default: log = Buffer.concat([log.subarray(0, at), log.subarray(Math.min(log.length, at + 1 + int(64)))]);
    }
  }
  return log;
}

describe('merge fuzz: damaged logs are always quarantined, never written', () => {
  const suite = useReplicationHarness('merge-fuzz-');

  it('every failure the merge sees in 3000 damaged logs is a refusal (quarantine), never an error it would retry forever', async () => {
    const disk = await suite.h.protect('vm-fuzz-local', POLICY);
    const src = new SourceDisk(suite.tmp, disk, 4 * MIB, { key: randomBytes(64) });
    src.io('write -P 0x01 0 64k');
    src.cutLog({ cutTimeMs: T0 });
    src.io('write -P 0x02 8k 12k', 'write -P 0x03 1M 4k', 'write -P 0x04 4092k 4k');
    const good = src.cutLog({ cutTimeMs: T0 + 30_000 }).bytes;
    const expect2 = expectationFor(disk, { epoch: 1n, sourceVirtualSize: 4 * MIB }, 2n);
    const rand = prng(SEED);
    let refused = 0;
    for (let i = 0; i < 3000; i++) {
      const bad = mutate(good, rand);
      try {
        const parsed = parseHrl(bad, expect2);
        // Only a mutation that changed nothing that matters may pass (e.g. truncation at the very end is refused, so this is rare).
        expect(parsed.records.map((r) => r.payload)).toEqual(parseHrl(good, expect2).records.map((r) => r.payload));
      } catch (err) {
        if (!isLogRefusal(err)) throw new Error(`case ${i} (seed ${SEED}): not a refusal: ${String(err)}`);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(2900);
  });

  it('40 damaged logs in a row through Azurite: each quarantined, the replica byte-for-byte unchanged', async () => {
    const disk = await suite.h.protect('vm-fuzz', POLICY);
    const src = new SourceDisk(suite.tmp, disk, 4 * MIB);
    src.io('write -P 0x11 0 256k');
    await uploadLog(suite.h.blobs, disk, 1n, src.cutLog({ cutTimeMs: T0 }).bytes);
    await mergeDisk(suite.h.deps(), disk);
    const replica = suite.h.blobs.getContainerClient(REPLICA_CONTAINERS.replicas).getPageBlobClient(replicaBlob(disk));
    const before = await replica.downloadToBuffer();
    src.io('write -P 0x12 4k 8k', 'write -P 0x13 2M 64k');
    const good = src.cutLog({ cutTimeMs: T0 + 30_000 }).bytes;
    const expect2 = expectationFor(disk, { epoch: 1n, sourceVirtualSize: 4 * MIB }, 2n);
    const rand = prng(SEED + 1);
    let sent = 0;
    while (sent < 40) {
      const bad = mutate(good, rand);
      try {
        parseHrl(bad, expect2);
        continue; // harmless mutation: not a damaged log
      } catch {
        // damaged: send it
      }
      await uploadLog(suite.h.blobs, disk, 2n, bad);
      const r = await mergeDisk(suite.h.deps(), disk);
      expect(r).toMatchObject({ outcome: 'quarantined', applied: [], quarantined: { sequence: 2n } });
      sent++;
    }
    expect((await replica.downloadToBuffer()).equals(before)).toBe(true);
    let quarantined = 0;
    for await (const b of suite.h.blobs.getContainerClient(REPLICA_CONTAINERS.quarantine).listBlobsFlat({ prefix: `${disk.vault}/${disk.item}/` })) quarantined += b ? 1 : 0;
    expect(quarantined).toBe(40);
  });
});
