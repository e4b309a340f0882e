import { randomBytes } from 'node:crypto';
import { CorruptFormatError, UnsupportedFormatError } from '../../../shared/errors';
import { PassThrough } from 'node:stream';
import { buildHrl, HrlExpectation, HrlReader, HrlWriter, parseHrl, writeHrl } from '../../../shared/hrl';
import { keyFingerprint } from '../../../shared/crypto';
import { forgeHrl, resealHeader } from './forgeHrl';
import { patternPayload, prng, randomChunks, randomWrites, readAll, sampleHeader, UNIT } from './hrlFixtures';

interface Failure {
  code: string;
  type: typeof CorruptFormatError | typeof UnsupportedFormatError;
  structure?: string;
  field: string;
  offset?: number;
}

function capture(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure, but the log was accepted');
}

/** Asserts parseHrl and the streaming reader (random chunks) fail alike, at the same place. */
async function expectRejected(log: Buffer, want: Failure, expect_?: HrlExpectation): Promise<void> {
  const fromParse = capture(() => parseHrl(log, expect_));
  let fromStream: unknown;
  try {
    await readAll(randomChunks(log, prng(log.length), 777), expect_);
  } catch (e) {
    fromStream = e;
  }
  for (const err of [fromParse, fromStream]) {
    expect(err).toBeInstanceOf(want.type);
    const e = err as CorruptFormatError;
    expect({ code: e.code, field: e.location.field }).toEqual({ code: want.code, field: want.field });
    if (want.structure) expect(e.location.structure).toBe(want.structure);
    if (want.offset !== undefined) expect(e.location.offset).toBe(want.offset);
    expect(e.message).toContain(`at offset ${e.location.offset}`);
  }
  expect((fromStream as CorruptFormatError).location).toEqual((fromParse as CorruptFormatError).location);
}

const corrupt = (field: string, offset?: number, structure?: string): Failure => ({ code: 'CorruptFormat', type: CorruptFormatError, field, offset, structure });
const unsupported = (field: string, offset?: number): Failure => ({ code: 'UnsupportedFormat', type: UnsupportedFormatError, field, offset });
const mismatch = (field: string): Failure => ({ code: 'HrlIdentityMismatch', type: CorruptFormatError, field });

const good = () => buildHrl(sampleHeader(), randomWrites(prng(11), 6));

describe('HRL reader rejects', () => {
  it('bad magic, including inputs that are not logs at all', async () => {
    const log = good();
    log[3] ^= 0x20;
    await expectRejected(log, corrupt('magic', 0));
    await expectRejected(Buffer.from('hello'), corrupt('magic', 0));
    await expectRejected(Buffer.from('PK\x03\x04 this is a zip file, not a replica log'), corrupt('magic', 0));
  });

  it('an unknown format version as unsupported', async () => {
    const log = good();
    log.writeUInt16LE(2, 8);
    await expectRejected(log, unsupported('formatVersion', 8));
  });

  it('an absurd header length before reading it', async () => {
    const log = good();
    log.writeUInt16LE(0xffff, 10);
    await expectRejected(log, corrupt('headerLength', 10));
  });

  it('a header whose checksum does not match (one flipped bit in an identifier)', async () => {
    const log = good();
    log[121] ^= 0x01;
    const headerLength = log.readUInt16LE(10);
    await expectRejected(log, corrupt('headerChecksum', headerLength - 4));
  });

  it('unknown flags, data unit sizes and encryption modes as unsupported', async () => {
    await expectRejected(forgeHrl({ flags: 0x8 }, []), unsupported('flags', 12));
    await expectRejected(forgeHrl({ dataUnitSize: 512 }, []), unsupported('dataUnitSize', 48));
    await expectRejected(forgeHrl({ encryptionMode: 2 }, []), unsupported('encryptionMode', 52));
  });

  it('bad header fields: sequence 0, absurd or unaligned disk sizes, cut time, ids, fingerprint', async () => {
    await expectRejected(forgeHrl({ sequence: 0n }, []), corrupt('sequence', 16));
    await expectRejected(forgeHrl({ virtualSize: 0n }, []), corrupt('virtualSize', 32));
    await expectRejected(forgeHrl({ virtualSize: 4096n * 10n + 100n }, []), corrupt('virtualSize', 32));
    await expectRejected(forgeHrl({ virtualSize: 65n << 40n }, []), corrupt('virtualSize', 32));
    await expectRejected(forgeHrl({ virtualSize: 2n ** 64n - 512n }, []), corrupt('virtualSize', 32));
    await expectRejected(forgeHrl({ cutTimeMs: 2n ** 60n }, []), corrupt('cutTimeMs', 40));
    await expectRejected(forgeHrl({ ids: ['', 'ii', 'd'] }, []), corrupt('vaultIdLength', 53));
    const badUtf8 = forgeHrl({ ids: ['vx', 'i', 'd'] }, []);
    badUtf8[121] = 0xff; // never valid in UTF-8
    await expectRejected(resealHeader(badUtf8), corrupt('vaultId', 120));
    await expectRejected(forgeHrl({ keyFingerprint: Buffer.alloc(32, 1) }, []), corrupt('keyFingerprint', 56));
    await expectRejected(forgeHrl({ encryptionMode: 1 }, []), corrupt('keyFingerprint', 56));
    await expectRejected(forgeHrl({ encryptionMode: 1, keyFingerprint: Buffer.alloc(32, 1), virtualSize: 4096n + 512n }, []), corrupt('virtualSize', 32));
  });

  it('a header length that disagrees with the identifier lengths', async () => {
    const log = forgeHrl({}, []);
    log[53] = 2; // vaultIdLength 1 -> 2 while headerLength stays
    await expectRejected(resealHeader(log), corrupt('headerLength', 10));
  });

  it('a record whose payload has one flipped bit', async () => {
    const log = good();
    const first = parseHrl(log).records[2];
    log[first.logOffset + 24 + 1000] ^= 0x10;
    await expectRejected(log, corrupt('recordCrc', first.logOffset + 4));
  });

  it('a record whose header has one flipped bit (offset field)', async () => {
    const log = good();
    const r = parseHrl(log).records[1];
    log[r.logOffset + 9] ^= 0x80;
    await expectRejected(log, corrupt('recordCrc', r.logOffset + 4));
  });

  it('truncation at every kind of point, reporting the offset where bytes ran out', async () => {
    const log = good();
    const cuts = new Set<number>([0, 1, 7, 8, 11, 12, 50, log.readUInt16LE(10) - 1, log.readUInt16LE(10), log.length - 32, log.length - 1]);
    for (const r of parseHrl(log).records) [r.logOffset, r.logOffset + 3, r.logOffset + 23, r.logOffset + 24, r.logOffset + 24 + r.length - 1].forEach((c) => cuts.add(c));
    for (let c = 0; c < log.length; c += 997) cuts.add(c);
    for (const cut of cuts) {
      const truncated = log.subarray(0, cut);
      const err = capture(() => parseHrl(truncated)) as CorruptFormatError;
      expect(err).toBeInstanceOf(CorruptFormatError);
      expect(err.location.offset).toBe(cut);
      expect(err.message).toMatch(/truncated/);
      await expect(readAll(randomChunks(truncated, prng(cut), 4096))).rejects.toMatchObject({ code: 'CorruptFormat', location: { offset: cut } });
    }
    expect(cuts.size).toBeGreaterThan(40);
  });

  it('a dropped record, a damaged trailer, counts that lie, and bytes after the trailer', async () => {
    const log = good();
    const { records, trailer } = parseHrl(log);
    const r = records[3];
    const dropped = Buffer.concat([log.subarray(0, r.logOffset), log.subarray(r.logOffset + 24 + r.length)]);
    await expectRejected(dropped, corrupt('logChecksum', dropped.length - 8));

    const damaged = Buffer.from(log);
    damaged[log.length - 32 + 8] ^= 1; // recordCount, covered by the log checksum
    await expectRejected(damaged, corrupt('logChecksum', log.length - 8));

    const payload = patternPayload(0, 1);
    await expectRejected(forgeHrl({}, [{ offset: 0, payload }], { recordCount: 2 }), corrupt('recordCount'));
    await expectRejected(forgeHrl({}, [{ offset: 0, payload }], { payloadBytes: 8192 }), corrupt('payloadBytes'));

    await expectRejected(Buffer.concat([log, Buffer.from([0])]), corrupt('end of log', trailer.logLength));
    await expectRejected(Buffer.concat([log, log]), corrupt('end of log', trailer.logLength));
  });

  it('garbage where a record or trailer tag belongs', async () => {
    const log = forgeHrl({}, []);
    const headerLength = log.readUInt16LE(10);
    log.write('JUNK', headerLength, 'latin1');
    await expectRejected(log, corrupt('tag', headerLength, 'HRL record'));
  });

  it('records outside the disk, misaligned, overlapping or out of order', async () => {
    const vs = 1n << 20n; // 256 units
    const p = patternPayload(0, 2);
    const h = { virtualSize: vs };
    const at = (i: number) => forgeHrl(h, []).length - 32 + i * (24 + p.length);
    await expectRejected(forgeHrl(h, [{ offset: vs, payload: p }]), corrupt('offset', at(0) + 8));
    await expectRejected(forgeHrl(h, [{ offset: vs - 4096n, payload: p }]), corrupt('offset', at(0) + 8));
    await expectRejected(forgeHrl(h, [{ offset: 2n ** 64n - 4096n, payload: p }]), corrupt('offset', at(0) + 8));
    await expectRejected(forgeHrl(h, [{ offset: 512, payload: p }]), corrupt('offset', at(0) + 8));
    await expectRejected(forgeHrl(h, [{ offset: 0, payload: Buffer.alloc(4096 + 512) }]), corrupt('length', at(0) + 16));
    await expectRejected(forgeHrl(h, [{ offset: 0, payload: p }, { offset: 4096, payload: p }]), corrupt('offset', at(1) + 8));
    await expectRejected(forgeHrl(h, [{ offset: 8192, payload: p }, { offset: 0, payload: p }]), corrupt('offset', at(1) + 8));
    await expectRejected(forgeHrl(h, [{ offset: 0, payload: p, reserved: 5 }]), corrupt('reserved', at(0) + 20));
  });

  it('absurd record lengths before allocating or reading the payload', async () => {
    const header = forgeHrl({}, []).subarray(0, -32);
    const huge = Buffer.alloc(24);
    huge.writeUInt32LE(0x524c5248, 0);
    huge.writeUInt32LE(0xfffff000, 16); // 4 GiB - 4 KiB, no payload follows
    const log = Buffer.concat([header, huge]);
    await expectRejected(log, corrupt('length', header.length + 16));
    huge.writeUInt32LE(0, 16);
    await expectRejected(Buffer.concat([header, huge]), corrupt('length', header.length + 16));
  });

  it('non-zero padding past the end of a disk that is not whole units', async () => {
    const tail = Buffer.alloc(UNIT, 0);
    tail[600] = 1;
    const log = forgeHrl({ virtualSize: BigInt(UNIT + 512) }, [{ offset: UNIT, payload: tail }]);
    await expectRejected(log, corrupt('payload', forgeHrl({}, []).length - 32 + 24 + 600));
  });

  it('a log of another vault, item, disk, epoch, size, position or key, with a distinct code', async () => {
    const key = randomBytes(64);
    const plain = buildHrl(sampleHeader(), []);
    const cases: [HrlExpectation, string][] = [
      [{ vaultId: 'vault-west' }, 'vaultId'],
      [{ protectedItemId: 'vm-web01' }, 'protectedItemId'],
      [{ diskId: 'disk-1' }, 'diskId'],
      [{ epoch: 3n }, 'epoch'],
      [{ virtualSize: 128 * 1024 * 1024 }, 'virtualSize'],
      [{ sequence: 8n }, 'sequence'],
      [{ keyFingerprint: keyFingerprint(key) }, 'keyFingerprint'],
    ];
    for (const [exp, field] of cases) await expectRejected(plain, mismatch(field), exp);
    const encrypted = buildHrl(sampleHeader(), [], { key });
    await expectRejected(encrypted, mismatch('keyFingerprint'), { keyFingerprint: null });
    await expectRejected(encrypted, mismatch('keyFingerprint'), { keyFingerprint: keyFingerprint(randomBytes(64)) });
    const ok = parseHrl(encrypted, { vaultId: 'vault-east', protectedItemId: 'vm-sql01', diskId: 'disk-0', epoch: 2n, sequence: 7n, virtualSize: 64 * 1024 * 1024, keyFingerprint: keyFingerprint(key) });
    expect(ok.header.sequence).toBe(7n);
  });
});

describe('HRL writer refuses', () => {
  const rejected = { code: 'HrlWriteRejected' };
  it('records out of order, overlapping, misaligned, outside the disk or after finish', () => {
    const w = new HrlWriter(sampleHeader({ virtualSize: 1 << 20 }));
    w.addRecord(8192, patternPayload(8192, 1));
    expect(() => w.addRecord(8192, patternPayload(8192, 1))).toThrow(expect.objectContaining(rejected));
    expect(() => w.addRecord(0, patternPayload(0, 1))).toThrow(expect.objectContaining(rejected));
    expect(() => w.addRecord(16384 + 512, patternPayload(0, 1))).toThrow(expect.objectContaining(rejected));
    expect(() => w.addRecord(16384, Buffer.alloc(100))).toThrow(expect.objectContaining(rejected));
    expect(() => w.addRecord(1 << 20, patternPayload(0, 1))).toThrow(expect.objectContaining(rejected));
    expect(() => w.addRecord(16384, Buffer.alloc(0))).toThrow(expect.objectContaining(rejected));
    w.finish();
    expect(() => w.addRecord(1 << 19, patternPayload(0, 1))).toThrow(expect.objectContaining(rejected));
  });

  it('bad headers and keys, saying what is wrong', () => {
    expect(() => new HrlWriter(sampleHeader({ vaultId: 'x'.repeat(256) }))).toThrow(expect.objectContaining(rejected));
    expect(() => new HrlWriter(sampleHeader({ diskId: '' }))).toThrow(expect.objectContaining(rejected));
    expect(() => new HrlWriter(sampleHeader({ sequence: -1n }))).toThrow(expect.objectContaining(rejected));
    expect(() => new HrlWriter(sampleHeader({ virtualSize: 1000 }))).toThrow(expect.objectContaining(rejected));
    expect(() => new HrlWriter(sampleHeader({ virtualSize: 4096 + 512 }), { key: randomBytes(64) })).toThrow(expect.objectContaining(rejected));
    const sameHalves = Buffer.concat([Buffer.alloc(32, 7), Buffer.alloc(32, 7)]);
    expect(() => new HrlWriter(sampleHeader(), { key: sameHalves })).toThrow(/halves of the key are identical/);
    expect(() => new HrlWriter(sampleHeader(), { key: randomBytes(32) })).toThrow(/32 bytes, not 64/);
  });

  it('a stream write with a bad record: writeHrl rejects and destroys the stream, so no log looks finished', async () => {
    const sink = new PassThrough();
    const received: Buffer[] = [];
    sink.on('data', (c: Buffer) => received.push(c));
    const writes = [{ offset: 8192, payload: patternPayload(8192, 1) }, { offset: 0, payload: patternPayload(0, 1) }];
    await expect(writeHrl(sink, sampleHeader(), writes)).rejects.toMatchObject({ code: 'HrlWriteRejected' });
    expect(sink.destroyed).toBe(true);
    expect(() => parseHrl(Buffer.concat(received))).toThrow(CorruptFormatError);
  });

  it('streaming: records come before the trailer is checked, and the damage still surfaces at the end', async () => {
    const log = good();
    log[log.length - 32 + 16] ^= 0xff; // payloadBytes, covered by the log checksum
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const e of new HrlReader(randomChunks(log, prng(9), 5000))) seen.push(e.kind);
      })(),
    ).rejects.toMatchObject({ code: 'CorruptFormat', location: { field: 'logChecksum' } });
    expect(seen).toEqual(['header', ...Array(6).fill('record')]); // never 'end': do not apply
  });
});
