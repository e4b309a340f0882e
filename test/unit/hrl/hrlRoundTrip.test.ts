import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { buildHrl, HrlRecordDecryptor, hrlChunks, HrlWriter, parseHrl, writeHrl, HRL_MAGIC } from '../../../shared/hrl';
import { keyFingerprint } from '../../../shared/crypto';
import { patternPayload, prng, randomChunks, randomWrites, readAll, sampleHeader, UNIT } from './hrlFixtures';

describe('HRL round trip', () => {
  it('writes and parses a plain log with many records, keeping every field', () => {
    const writes = randomWrites(prng(1), 300);
    const header = sampleHeader({ consistency: 'application', finalPlannedFailover: true, sequence: 2n ** 63n, epoch: 9n });
    const log = buildHrl(header, writes);
    const parsed = parseHrl(log);
    expect(parsed.header).toMatchObject({ ...header, formatVersion: 1, dataUnitSize: UNIT, encryption: 'none', keyFingerprint: undefined });
    expect(parsed.records).toHaveLength(300);
    parsed.records.forEach((r, i) => {
      expect(r.offset).toBe(writes[i].offset);
      expect(r.payload.equals(writes[i].payload)).toBe(true);
    });
    const payloadBytes = writes.reduce((n, w) => n + w.payload.length, 0);
    expect(parsed.trailer).toMatchObject({ recordCount: 300, payloadBytes, logLength: log.length });
    expect(log.subarray(0, 8).equals(HRL_MAGIC)).toBe(true);
  });

  it('keeps the partial-seed flag (bit 2), clear by default', () => {
    const partial = buildHrl(sampleHeader({ partialSeed: true }), []);
    expect(partial.readUInt32LE(12) & 0x4).toBe(0x4);
    expect(parseHrl(partial).header.partialSeed).toBe(true);
    expect(parseHrl(buildHrl(sampleHeader(), [])).header.partialSeed).toBe(false);
  });

  it('writes an empty log (no records) that parses', () => {
    const parsed = parseHrl(buildHrl(sampleHeader(), []));
    expect(parsed.records).toEqual([]);
    expect(parsed.trailer.recordCount).toBe(0);
  });

  it('keeps non-ASCII identifiers of up to 255 UTF-8 bytes', () => {
    const vaultId = 'é'.repeat(127) + 'x'; // 255 bytes
    const parsed = parseHrl(buildHrl(sampleHeader({ vaultId, diskId: '磁盘-0' }), []));
    expect(parsed.header.vaultId).toBe(vaultId);
    expect(parsed.header.diskId).toBe('磁盘-0');
  });

  it('streams through HrlReader with random chunk sizes and yields the same as parseHrl', async () => {
    const rand = prng(2);
    const log = buildHrl(sampleHeader(), randomWrites(rand, 120));
    const whole = parseHrl(log);
    for (let round = 0; round < 8; round++) {
      const entries = await readAll(randomChunks(log, rand, round % 2 ? 300 : 70000));
      expect(entries[0]).toEqual({ kind: 'header', header: whole.header });
      const records = entries.filter((e) => e.kind === 'record').map((e) => (e.kind === 'record' ? e.record : undefined)!);
      expect(records.map((r) => [r.offset, r.logOffset, r.payload.toString('base64')])).toEqual(
        whole.records.map((r) => [r.offset, r.logOffset, r.payload.toString('base64')]),
      );
      expect(entries[entries.length - 1]).toEqual({ kind: 'end', trailer: whole.trailer });
    }
  });

  it('emits the same bytes through the streaming writer, hrlChunks and writeHrl', async () => {
    const writes = randomWrites(prng(3), 40);
    const expected = buildHrl(sampleHeader(), writes);
    const w = new HrlWriter(sampleHeader());
    const parts = writes.flatMap((x) => w.addRecord(x.offset, x.payload));
    parts.push(...w.finish());
    expect(Buffer.concat(parts).equals(expected)).toBe(true);

    const chunks: Buffer[] = [];
    for await (const c of hrlChunks(sampleHeader(), writes)) chunks.push(c);
    expect(Buffer.concat(chunks).equals(expected)).toBe(true);

    const sink = new PassThrough();
    const received: Buffer[] = [];
    sink.on('data', (c: Buffer) => received.push(c));
    await writeHrl(sink, sampleHeader(), writes);
    expect(Buffer.concat(received).equals(expected)).toBe(true);
  });

  it('encrypts payloads (no plaintext left) and decrypts them back with the right key only', async () => {
    const key = randomBytes(64);
    const writes = randomWrites(prng(4), 50);
    const log = buildHrl(sampleHeader(), writes, { key });
    const parsed = parseHrl(log, { keyFingerprint: keyFingerprint(key) });
    expect(parsed.header.encryption).toBe('aes-256-xts-plain64');
    expect(parsed.header.keyFingerprint).toBe(keyFingerprint(key));
    // The pattern's first 16 bytes of every unit must not appear anywhere in the stored log.
    for (const w of writes) {
      for (let u = 0; u < w.payload.length; u += UNIT) expect(log.includes(w.payload.subarray(u, u + 16))).toBe(false);
    }
    const decryptor = new HrlRecordDecryptor(parsed.header, key);
    parsed.records.forEach((r, i) => {
      expect(r.payload.equals(writes[i].payload)).toBe(false);
      expect(decryptor.decrypt(r).equals(writes[i].payload)).toBe(true);
    });
    expect(() => new HrlRecordDecryptor(parsed.header, randomBytes(64))).toThrow(expect.objectContaining({ code: 'HrlIdentityMismatch' }));
    expect(() => new HrlRecordDecryptor(parsed.header)).toThrow(expect.objectContaining({ code: 'HrlIdentityMismatch' }));
    const plainLog = parseHrl(buildHrl(sampleHeader(), writes.slice(0, 1)));
    expect(new HrlRecordDecryptor(plainLog.header).decrypt(plainLog.records[0]).equals(writes[0].payload)).toBe(true);
    const streamed = await readAll(randomChunks(log, prng(5)));
    expect(streamed.filter((e) => e.kind === 'record')).toHaveLength(50);
  });

  it('ties each ciphertext unit to its disk position (same plaintext, different offsets differ)', () => {
    const key = randomBytes(64);
    const same = Buffer.alloc(UNIT, 0x42);
    const parsed = parseHrl(buildHrl(sampleHeader(), [{ offset: 0, payload: same }, { offset: UNIT, payload: same }], { key }));
    expect(parsed.records[0].payload.equals(parsed.records[1].payload)).toBe(false);
  });

  it('accepts a disk whose size is not whole units when the tail padding is zero', () => {
    const virtualSize = 10 * UNIT + 512;
    const tail = Buffer.alloc(UNIT);
    tail.fill(0x77, 0, 512);
    const parsed = parseHrl(buildHrl(sampleHeader({ virtualSize }), [{ offset: 10 * UNIT, payload: tail }]));
    expect(parsed.records[0].payload.subarray(0, 512).every((b) => b === 0x77)).toBe(true);
  });

  it('accepts adjacent records and the exact last unit of the disk', () => {
    const vs = 16 * UNIT;
    const parsed = parseHrl(
      buildHrl(sampleHeader({ virtualSize: vs }), [
        { offset: 0, payload: patternPayload(0, 2) },
        { offset: 2 * UNIT, payload: patternPayload(2 * UNIT, 1) },
        { offset: 15 * UNIT, payload: patternPayload(15 * UNIT, 1) },
      ]),
    );
    expect(parsed.records.map((r) => r.offset)).toEqual([0, 2 * UNIT, 15 * UNIT]);
  });
});
