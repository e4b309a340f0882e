import { HrlHeaderInit, HrlReader, HrlEntry } from '../../../shared/hrl';

/** Seeded PRNG (mulberry32), so a failing case reproduces from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const UNIT = 4096;

export function sampleHeader(overrides: Partial<HrlHeaderInit> = {}): HrlHeaderInit {
  return {
    vaultId: 'vault-east',
    protectedItemId: 'vm-sql01',
    diskId: 'disk-0',
    sequence: 7n,
    epoch: 2n,
    virtualSize: 64 * 1024 * 1024,
    cutTimeMs: Date.UTC(2026, 10, 22, 2, 30),
    consistency: 'crash',
    finalPlannedFailover: false,
    diskDigest: Buffer.alloc(32, 0xd1),
    ...overrides,
  };
}

/** A payload of `units` data units whose bytes say where they belong (so misplacement shows). */
export function patternPayload(offset: number, units: number): Buffer {
  const b = Buffer.alloc(units * UNIT);
  for (let i = 0; i < b.length; i += 8) b.writeBigUInt64LE(BigInt(offset + i) ^ 0x5a5a5a5a5a5a5a5an, i);
  return b;
}

/** `count` ascending, non-overlapping writes of 1..maxUnits units with random gaps. */
export function randomWrites(rand: () => number, count: number, maxUnits = 8): { offset: number; payload: Buffer }[] {
  const writes: { offset: number; payload: Buffer }[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    at += Math.floor(rand() * 4) * UNIT;
    const units = 1 + Math.floor(rand() * maxUnits);
    writes.push({ offset: at, payload: patternPayload(at, units) });
    at += units * UNIT;
  }
  return writes;
}

/** Splits `buf` into chunks of random sizes (1 byte up to `max`). */
export function* randomChunks(buf: Buffer, rand: () => number, max = 10000): Generator<Buffer> {
  let at = 0;
  while (at < buf.length) {
    const n = 1 + Math.floor(rand() * max);
    yield buf.subarray(at, at + n);
    at += n;
  }
}

export async function readAll(source: Iterable<Buffer> | AsyncIterable<Buffer>, expect?: ConstructorParameters<typeof HrlReader>[1]): Promise<HrlEntry[]> {
  const out: HrlEntry[] = [];
  for await (const e of new HrlReader(source, expect)) out.push(e);
  return out;
}
