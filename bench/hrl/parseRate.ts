/**
 * HRL parse rate, as ratios to a plain Buffer.copy of the same bytes measured in the same run
 * (absolute rates on a shared 2-core machine swing up to 3x; ratios hold).
 *
 *   npx tsc -p tsconfig.json && node dist/bench/hrl/parseRate.js [payloadMiB] [recordKiB]
 *
 * Goal: parse + CRC >= 0.5 of memcpy.
 */
import { randomBytes } from 'node:crypto';
import { crc32c } from '@node-rs/crc32';
import { buildHrl, HrlRecordDecryptor, parseHrl } from '../../shared/hrl';
import { median } from '../benchTiming';

const payloadMiB = Number(process.argv[2] ?? 64);
const recordKiB = Number(process.argv[3] ?? 1024);
const ROUNDS = 9;

function makeLog(key?: Buffer): Buffer {
  const recordBytes = recordKiB * 1024;
  const count = Math.floor((payloadMiB * 1024 * 1024) / recordBytes);
  const payload = randomBytes(recordBytes);
  const writes = Array.from({ length: count }, (_, i) => ({ offset: i * 2 * recordBytes, payload }));
  return buildHrl(
    {
      vaultId: 'bench-vault', protectedItemId: 'bench-vm', diskId: 'disk-0', sequence: 1n, epoch: 1n,
      virtualSize: 2 * count * recordBytes, cutTimeMs: Date.now(), consistency: 'crash',
      finalPlannedFailover: false, diskDigest: Buffer.alloc(32),
    },
    writes,
    { key },
  );
}

/** Seconds one call of `fn` takes. */
function time(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

const key = randomBytes(64);
const plain = makeLog();
const encrypted = makeLog(key);
const target = Buffer.allocUnsafe(Math.max(plain.length, encrypted.length));
plain.copy(target); // fault the target's pages in before timing

let sink = 0;
const copy = () => {
  sink += plain.copy(target);
};
// The ceiling: one CRC-32C pass over the same bytes, no parsing.
const crcOnly = () => {
  sink += crc32c(plain);
};
const parse = () => {
  sink += parseHrl(plain).records.length;
};
const parseDecrypt = () => {
  const log = parseHrl(encrypted);
  const decryptor = new HrlRecordDecryptor(log.header, key);
  for (const r of log.records) sink += decryptor.decrypt(r).length;
};

// Interleave the three in every round and take the median of per-round ratios: other
// processes on the machine then slow all three alike instead of skewing one.
const copyS: number[] = [];
const crcS: number[] = [];
const parseS: number[] = [];
const decryptS: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  copyS.push(time(copy));
  crcS.push(time(crcOnly));
  parseS.push(time(parse));
  decryptS.push(time(parseDecrypt));
}
const crcRatio = median(crcS.map((s, i) => copyS[i] / s));
const parseRatio = median(parseS.map((s, i) => copyS[i] / s));
const decryptRatio = median(decryptS.map((s, i) => copyS[i] / s));

const rate = (bytes: number, s: number) => `${(bytes / s / 1e9).toFixed(2)} GB/s`;
console.log(`HRL parse rate: ${payloadMiB} MiB payload in ${recordKiB} KiB records, median of ${ROUNDS} interleaved rounds`);
console.log(`  memcpy (Buffer.copy)        ${rate(plain.length, median(copyS))}`);
console.log(`  CRC-32C alone (ceiling)     ${rate(plain.length, median(crcS))}  ratio to memcpy ${crcRatio.toFixed(3)}`);
console.log(`  parse + CRC                 ${rate(plain.length, median(parseS))}  ratio to memcpy ${parseRatio.toFixed(3)} (goal >= 0.5)`);
console.log(`  parse + CRC + XTS decrypt   ${rate(encrypted.length, median(decryptS))}  ratio to memcpy ${decryptRatio.toFixed(3)}`);
if (sink < 0) console.log(sink);
