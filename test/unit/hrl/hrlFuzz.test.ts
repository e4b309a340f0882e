import { randomBytes } from 'node:crypto';
import { CorruptFormatError, UnsupportedFormatError } from '../../../shared/errors';
import { buildHrl, HrlLogChecksum, parseHrl } from '../../../shared/hrl';
import { crc32c } from '@node-rs/crc32';
import { prng, randomChunks, randomWrites, readAll, sampleHeader } from './hrlFixtures';

const SEED = Number(process.env.HRL_FUZZ_SEED ?? 20261122);
const CASES = 4000;

type Outcome = { ok: true } | { ok: false; code: string; offset: number; field: string };

/** Runs a reader; its verdict, or rethrows anything that is not a typed format error. */
async function outcome(fn: () => unknown): Promise<Outcome> {
  try {
    await fn();
    return { ok: true };
  } catch (e) {
    if (!(e instanceof CorruptFormatError) && !(e instanceof UnsupportedFormatError)) throw e;
    return { ok: false, code: e.code, offset: e.location.offset, field: e.location.field };
  }
}

describe('HRL fuzz', () => {
  const rand = prng(SEED);
  const key = Buffer.from(randomBytes(64));
  const bases = [
    buildHrl(sampleHeader({ virtualSize: 1 << 20 }), randomWrites(rand, 4, 2)),
    buildHrl(sampleHeader({ virtualSize: 1 << 20, consistency: 'application' }), randomWrites(rand, 3, 2), { key }),
    buildHrl(sampleHeader({ virtualSize: 1 << 20 }), []),
  ];
  /** Offsets of structure bytes (header, record headers, trailer) where mutations matter most. */
  const hotSpots = bases.map((log) => {
    const p = parseHrl(log);
    const spots: number[] = [];
    for (let i = 0; i < p.header.headerLength; i++) spots.push(i);
    for (const r of p.records) for (let i = 0; i < 24; i++) spots.push(r.logOffset + i);
    for (let i = log.length - 32; i < log.length; i++) spots.push(i);
    return spots;
  });

  const int = (n: number) => Math.floor(rand() * n);

  function mutate(base: Buffer, spots: number[]): Buffer {
    const pos = () => (rand() < 0.6 ? spots[int(spots.length)] : int(base.length));
    let log = Buffer.from(base);
    const steps = 1 + int(3);
    for (let s = 0; s < steps; s++) {
      switch (int(8)) {
        case 0: // flip one bit
          { const p = pos(); if (p < log.length) log[p] ^= 1 << int(8); }
          break;
        case 1: // overwrite a byte with a random or boundary value
          { const p = pos(); if (p < log.length) log[p] = [0, 0xff, 0x7f, 0x80, int(256)][int(5)]; }
          break;
        case 2: // truncate
          log = log.subarray(0, int(log.length + 1));
          break;
        case 3: // extend with random bytes
          log = Buffer.concat([log, randomBytesFrom(1 + int(64))]);
          break;
        case 4: // insert bytes in the middle
          { const p = Math.min(pos(), log.length); log = Buffer.concat([log.subarray(0, p), randomBytesFrom(1 + int(16)), log.subarray(p)]); }
          break;
        case 5: // delete a range
          { const p = Math.min(pos(), log.length); log = Buffer.concat([log.subarray(0, p), log.subarray(p + 1 + int(5000))]); }
          break;
        case 6: // overwrite a 32-bit field with an extreme value
          { const p = Math.min(pos(), Math.max(0, log.length - 4)); if (log.length >= 4) log.writeUInt32LE([0, 0xffffffff, 0x04000000, 0x04001000, 4096, int(2 ** 32)][int(6)], p); }
          break;
        default: // splice: the head of one base with the tail of another
          { const other = bases[int(bases.length)]; log = Buffer.concat([log.subarray(0, pos()), other.subarray(int(other.length))]); }
      }
    }
    return log;
  }

  function randomBytesFrom(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = int(256);
    return b;
  }

  /**
   * Runs `cases` mutated logs through parseHrl (and every 8th through the streaming reader, which
   * must reach the same verdict at the same offset); returns how often each rule fired.
   */
  async function fuzz(cases: number, prepare: (base: Buffer, spots: number[]) => Buffer, onAccepted: (log: Buffer, base: Buffer, c: number) => void) {
    const tally: Record<string, number> = {};
    for (let c = 0; c < cases; c++) {
      const which = c % bases.length;
      const log = prepare(bases[which], hotSpots[which]);
      const res = await outcome(() => parseHrl(log));
      if (res.ok) onAccepted(log, bases[which], c);
      else tally[`${res.code}:${res.field}`] = (tally[`${res.code}:${res.field}`] ?? 0) + 1;
      if (c % 8 === 0) {
        const streamed = await outcome(() => readAll(randomChunks(log, rand, 3000)));
        expect({ case: c, ...streamed }).toEqual({ case: c, ...res });
      }
    }
    if (process.env.HRL_FUZZ_TALLY) console.log(tally);
    return tally;
  }

  it(`${CASES} mutated, truncated and extended logs fail only with typed format errors (seed ${SEED})`, async () => {
    const tally = await fuzz(CASES, mutate, (log, base, c) => {
      // Only a mutation that changed nothing may pass (CRC-32C catches the rest).
      expect({ case: c, same: log.equals(base) }).toEqual({ case: c, same: true });
    });
    // The fuzzer must actually reach many distinct rules, not just one checksum.
    expect(Object.keys(tally).length).toBeGreaterThan(10);
  });

  /**
   * Recomputes every checksum it can find (header, record CRCs, log checksum) after a mutation,
   * so the mutated fields reach the semantic rules (bounds, alignment, order...) behind them.
   */
  function reseal(log: Buffer): Buffer {
    if (log.length < 12) return log;
    const hl = log.readUInt16LE(10);
    if (hl < 8 || hl > log.length) return log;
    log.writeUInt32LE(crc32c(log.subarray(0, hl - 4)), hl - 4);
    const chain = new HrlLogChecksum();
    chain.addHeader(log.subarray(0, hl));
    let at = hl;
    while (at + 24 <= log.length && log.readUInt32LE(at) === 0x524c5248) {
      const len = log.readUInt32LE(at + 16);
      if (at + 24 + len > log.length) return log;
      const crc = crc32c(log.subarray(at + 8, at + 24 + len));
      log.writeUInt32LE(crc, at + 4);
      chain.addRecordCrc(crc);
      at += 24 + len;
    }
    if (at + 32 <= log.length && log.readUInt32LE(at) === 0x544c5248) log.writeUInt32LE(chain.valueWith(log.subarray(at, at + 24)), at + 24);
    return log;
  }

  it(`${CASES / 2} mutated logs with resealed checksums fail only with typed format errors`, async () => {
    const tally = await fuzz(CASES / 2, (base, spots) => reseal(mutate(base, spots)), () => undefined);
    expect(Object.keys(tally).length).toBeGreaterThan(15);
  });
});
