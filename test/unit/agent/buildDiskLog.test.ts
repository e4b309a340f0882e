import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDiskLog, DataRun, DiskBlockTable } from '../../../shared/agent';
import { decryptDataUnits, encryptDataUnits } from '../../../shared/crypto';
import { parseHrl } from '../../../shared/hrl';
import { digestOfBuffer } from '../../../shared/integrity';
import { tempDir } from '../../support/tempDir';

const K = 4096;
const SIZE = 64 * K;

async function* runsOf(...runs: DataRun[]): AsyncGenerator<DataRun> {
  yield* runs;
}

const id = (sequence: bigint) => ({
  vaultId: 'v', protectedItemId: 'vm', diskId: 'disk0', epoch: 1n, sequence, virtualSize: SIZE,
  cutTimeMs: 1_700_000_000_000, consistency: 'crash' as const, finalPlannedFailover: false,
});

describe('buildDiskLog', () => {
  const dir = tempDir('agent-log-');
  afterAll(() => dir.cleanup());
  const files = (n: string) => ({ spool: join(dir.path, `${n}.spool`), out: join(dir.path, `${n}.hrl`) });

  it('writes a log that parses, joins adjacent runs into one record, and carries the digest of the disk as stored', async () => {
    const table = DiskBlockTable.empty(SIZE);
    const replica = Buffer.alloc(SIZE);
    const a = { offset: 2 * K, data: randomBytes(2 * K) };
    const b = { offset: 4 * K, data: randomBytes(K) }; // adjacent to a
    const c = { offset: 40 * K, data: randomBytes(K) };
    const built = await buildDiskLog(runsOf(a, b, c), table, id(1n), files('plain'));
    for (const r of [a, b, c]) r.data.copy(replica, r.offset);

    const log = parseHrl(readFileSync(files('plain').out), { vaultId: 'v', protectedItemId: 'vm', diskId: 'disk0', sequence: 1n, epoch: 1n, virtualSize: SIZE });
    expect(log.records.map((r) => [r.offset / K, r.payload.length / K])).toEqual([[2, 3], [40, 1]]);
    expect(built).toMatchObject({ records: 2, payloadBytes: 4 * K });
    expect(log.header.diskDigest.equals(digestOfBuffer(replica))).toBe(true);
    expect(built.diskDigest.equals(digestOfBuffer(replica))).toBe(true);

    // The next log's digest follows from the table alone (incremental tree).
    const d = { offset: 2 * K, data: randomBytes(K) };
    await buildDiskLog(runsOf(d), table, id(2n), files('plain2'));
    d.data.copy(replica, d.offset);
    expect(parseHrl(readFileSync(files('plain2').out), {}).header.diskDigest.equals(digestOfBuffer(replica))).toBe(true);
  });

  it('encrypted: payloads are XTS ciphertext, and the digest is over what the replica stores (ciphertext; zeros elsewhere)', async () => {
    const key = randomBytes(64);
    const table = DiskBlockTable.empty(SIZE);
    const plain = { offset: 8 * K, data: Buffer.alloc(2 * K, 0x5a) };
    await buildDiskLog(runsOf(plain), table, id(1n), files('enc'), key);
    const bytes = readFileSync(files('enc').out);
    expect(bytes.indexOf(Buffer.alloc(64, 0x5a))).toBe(-1);
    const log = parseHrl(bytes, {});
    const stored = Buffer.alloc(SIZE);
    const cipher = encryptDataUnits(key, plain.data, plain.offset);
    cipher.copy(stored, plain.offset);
    expect(log.records[0].payload.equals(cipher)).toBe(true);
    expect(decryptDataUnits(key, log.records[0].payload, plain.offset).equals(plain.data)).toBe(true);
    expect(log.header.diskDigest.equals(digestOfBuffer(stored))).toBe(true);
  });

  it('an empty cycle still makes a valid log (no records) with the unchanged digest', async () => {
    const table = DiskBlockTable.empty(SIZE);
    const built = await buildDiskLog(runsOf(), table, id(1n), files('empty'));
    const log = parseHrl(readFileSync(files('empty').out), {});
    expect(log.records).toEqual([]);
    expect(built.diskDigest.equals(digestOfBuffer(Buffer.alloc(SIZE)))).toBe(true);
  });
});
