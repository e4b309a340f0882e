import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { validateVhdFooter, VhdDiskType } from '../shared/disk';

const VHD_FOOTER = 512;
const CHUNK = 4 * 1024 * 1024;

/** The verdict on one recovered disk. */
export interface DiskVerdict {
  identical: boolean;
  /** SHA-256 of the expected content and of the recovered disk's data (the VHD without its footer). */
  expectedSha256: string;
  recoveredSha256: string;
  /** First byte offset that differs, when not identical. */
  firstDifference?: number;
  /** `qemu-img compare`'s verdict when qemu-img is installed: 'identical', 'different' or its error. */
  qemuImg?: string;
  problem?: string;
}

/**
 * Compares a recovered fixed VHD (data, then a 512-byte footer starting `conectix`) with the
 * source image as it was at the failover point: byte by byte and by SHA-256; then, when
 * `qemu-img` is installed, lets it judge independently (raw vs vpc).
 */
export function verifyRecoveredDisk(expectedRaw: string, recoveredVhd: string): DiskVerdict {
  const size = statSync(expectedRaw).size;
  const vhdSize = statSync(recoveredVhd).size;
  const expectedHash = createHash('sha256');
  const recoveredHash = createHash('sha256');
  let firstDifference: number | undefined;
  let problem: string | undefined;
  const a = openSync(expectedRaw, 'r');
  const b = openSync(recoveredVhd, 'r');
  try {
    if (vhdSize !== size + VHD_FOOTER) problem = `recovered disk is ${vhdSize} bytes, expected ${size} + a ${VHD_FOOTER}-byte VHD footer`;
    if (!problem) problem = footerProblem(b, vhdSize, size);
    const bufA = Buffer.alloc(CHUNK);
    const bufB = Buffer.alloc(CHUNK);
    for (let at = 0; at < size; at += CHUNK) {
      const n = Math.min(CHUNK, size - at);
      readSync(a, bufA, 0, n, at);
      const got = readSync(b, bufB, 0, Math.min(n, Math.max(0, vhdSize - VHD_FOOTER - at)), at);
      if (got < n) bufB.fill(0, got, n);
      expectedHash.update(bufA.subarray(0, n));
      recoveredHash.update(bufB.subarray(0, n));
      if (firstDifference === undefined && bufA.compare(bufB, 0, n, 0, n) !== 0) {
        for (let i = 0; i < n; i++) if (bufA[i] !== bufB[i]) { firstDifference = at + i; break; }
      }
    }
  } finally {
    closeSync(a);
    closeSync(b);
  }
  const verdict: DiskVerdict = {
    identical: firstDifference === undefined && !problem,
    expectedSha256: expectedHash.digest('hex'),
    recoveredSha256: recoveredHash.digest('hex'),
    firstDifference,
    problem,
  };
  const qemu = qemuImgCompare(expectedRaw, recoveredVhd);
  if (qemu !== undefined) {
    verdict.qemuImg = qemu;
    if (qemu !== 'identical') verdict.identical = false;
  }
  return verdict;
}

/** What is wrong with the fixed VHD footer at the end of the file, if anything (checksum, cookie, type, size). */
function footerProblem(fd: number, vhdSize: number, size: number): string | undefined {
  const buf = Buffer.alloc(VHD_FOOTER);
  readSync(fd, buf, 0, VHD_FOOTER, vhdSize - VHD_FOOTER);
  try {
    const footer = validateVhdFooter(buf, vhdSize - VHD_FOOTER, 'recovered disk VHD footer');
    if (footer.diskType !== VhdDiskType.fixed) return `recovered disk is not a fixed VHD (disk type ${footer.diskType})`;
    if (footer.currentSize !== BigInt(size)) return `recovered disk's VHD footer says ${footer.currentSize} bytes, the source has ${size}`;
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** True when `qemu-img` can be run. */
export function qemuImgAvailable(): boolean {
  return spawnSync('qemu-img', ['--version'], { stdio: 'ignore' }).status === 0;
}

function qemuImgCompare(raw: string, vhd: string): string | undefined {
  if (!qemuImgAvailable()) return undefined;
  const r = spawnSync('qemu-img', ['compare', '-f', 'raw', '-F', 'vpc', raw, vhd], { encoding: 'utf8' });
  if (r.status === 0) return 'identical';
  if (r.status === 1) return `different (${(r.stdout || '').trim()})`;
  return `error: ${(r.stderr || r.stdout || '').trim()}`;
}
