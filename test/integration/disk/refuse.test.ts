import { copyFileSync, existsSync, readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { crc32c } from '@node-rs/crc32';
import { tempDir } from '../../support/tempDir';
import { readAt, writeAt } from './fileBytes';
import { asr, compareImages, createImage, ensureBuilt, writePattern } from './qemu';

const MIB = 1024 * 1024;
const KIB = 1024;

function flipByte(path: string, offset: number): void {
  writeAt(path, offset, Buffer.from([readAt(path, offset, 1)[0] ^ 0x5a]));
}

/** Rewrites a VHDX header's CRC-32C after a deliberate change, so only the change is judged. */
function resealVhdxHeader(path: string, at: number): void {
  const h = readAt(path, at, 4096);
  h.writeUInt32LE(0, 4);
  h.writeUInt32LE(crc32c(h) >>> 0, 4);
  writeAt(path, at, h);
}

/** The VHD one's-complement checksum, computed here independently of the code under test. */
function vhdFooterChecksum(footer: Buffer): number {
  let sum = 0;
  footer.forEach((b, i) => { if (i < 64 || i >= 68) sum += b; });
  return ~sum >>> 0;
}

/** Absolute offset of the VHDX file parameters item, found through the region and metadata tables. */
function vhdxFileParametersOffset(path: string): number {
  const metadataGuid = Buffer.from('06a27c8b90479a4bb8fe575f050f886e', 'hex');
  const fileParamsGuid = Buffer.from('3767a1ca36fa434db3b633f0aa44e76b', 'hex');
  const regions = readAt(path, 192 * KIB, 64 * KIB);
  for (let i = 0; i < regions.readUInt32LE(8); i++) {
    const e = 16 + i * 32;
    if (!regions.subarray(e, e + 16).equals(metadataGuid)) continue;
    const region = Number(regions.readBigUInt64LE(e + 16));
    const table = readAt(path, region, 64 * KIB);
    for (let j = 0; j < table.readUInt16LE(10); j++) {
      const m = 32 + j * 32;
      if (table.subarray(m, m + 16).equals(fileParamsGuid)) return region + table.readUInt32LE(m + 16);
    }
  }
  throw new Error('no file parameters item');
}

describe('asr disk convert refuses damaged and unsupported images', () => {
  const dir = tempDir('asr-disk-refuse-');
  let n = 0;
  let vhd: string;
  let vhdx: string;

  beforeAll(() => {
    ensureBuilt();
    vhd = join(dir.path, 'base.vhd');
    createImage(vhd, 'vpc', 6 * MIB, 'subformat=dynamic');
    writePattern(vhd, 'vpc', [[0xab, 0, 65536], [0xcd, 4 * MIB, 65536]]);
    vhdx = join(dir.path, 'base.vhdx');
    createImage(vhdx, 'vhdx', 6 * MIB, 'block_size=1M');
    writePattern(vhdx, 'vhdx', [[0xab, 0, 65536], [0xcd, 4 * MIB, 65536]]);
  });
  afterAll(() => dir.cleanup());

  /** A damaged copy of `base`, converted: must fail with `pattern` and leave no output at all. */
  function expectRefused(base: string, damage: (copy: string) => void, pattern: RegExp): string {
    const copy = join(dir.path, `case${++n}-${base.endsWith('x') ? 'x' : ''}.img`);
    copyFileSync(base, copy);
    damage(copy);
    const out = join(dir.path, `case${n}.vhd`);
    const r = asr('disk', 'convert', copy, out);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr.trim().split('\n')).toHaveLength(1); // one line, no stack trace
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir.path).filter((f) => f.includes(`case${n}.vhd`))).toEqual([]);
    return r.stderr;
  }

  const vhdBatOffset = () => Number(readAt(vhd, 512 + 16, 8).readBigUInt64BE(0));
  const vhdxBatOffset = () => Number(readAt(vhdx, 192 * KIB + 16 + 16, 8).readBigUInt64LE(0));

  describe('dynamic VHD', () => {
    it('a flipped byte in the footer fails its checksum', () => {
      const err = expectRefused(vhd, (f) => flipByte(f, statSync(f).size - 512 + 50), /corrupt: VHD footer checksum at offset \d+/);
      expect(err).toContain(`offset ${statSync(vhd).size - 512 + 64}`);
    });
    it('a flipped byte in the dynamic header fails its checksum', () => {
      expectRefused(vhd, (f) => flipByte(f, 512 + 33), /corrupt: VHD dynamic header checksum at offset 548/);
    });
    it('a BAT entry pointing past the end of the file', () => {
      const bat = vhdBatOffset();
      expectRefused(vhd, (f) => writeAt(f, bat, Buffer.from([0, 0x10, 0, 0])), new RegExp(`corrupt: VHD BAT entry 0 at offset ${bat}.*past the end`));
    });
    it('two BAT entries claiming the same block', () => {
      const bat = vhdBatOffset();
      expectRefused(vhd, (f) => writeAt(f, bat + 8, readAt(f, bat, 4)), /corrupt: VHD BAT entry [02] .*overlapping/);
    });
    it('a truncated file (footer gone)', () => {
      expectRefused(vhd, (f) => truncateSync(f, statSync(f).size - 1000), /corrupt: VHD footer .*truncated/);
    });
    it('a differencing VHD is unsupported', () => {
      // qemu-img 7.2 cannot create VHD children ("Backing file not supported for file format
      // 'vpc'"), so mark both footers as differencing (type 4) and reseal their checksums.
      expectRefused(vhd, (f) => {
        for (const at of [0, statSync(f).size - 512]) {
          const footer = readAt(f, at, 512);
          footer.writeUInt32BE(4, 60);
          footer.writeUInt32BE(vhdFooterChecksum(footer), 64);
          writeAt(f, at, footer);
        }
      }, /unsupported: VHD footer disk type at offset \d+, expected 2 \(fixed\) or 3 \(dynamic\), found 4 \(differencing\)/);
    });
  });

  describe('fixed VHD', () => {
    let fixed: string;
    beforeAll(() => {
      fixed = join(dir.path, 'fixed.vhd');
      createImage(fixed, 'vpc', 2 * MIB, 'subformat=fixed,force_size=on');
      writePattern(fixed, 'vpc', [[0xab, 0, 4096]]);
    });
    it('a flipped byte in the footer fails its checksum', () => {
      expectRefused(fixed, (f) => flipByte(f, 2 * MIB + 40), new RegExp(`corrupt: VHD footer checksum at offset ${2 * MIB + 64}`));
    });
    it('a file cut inside its footer', () => {
      expectRefused(fixed, (f) => truncateSync(f, 2 * MIB + 300), new RegExp(`corrupt: VHD footer extent at offset ${2 * MIB}.*truncated`));
    });
    it('a damaged cookie read as VHD on request', () => {
      const copy = join(dir.path, 'cookie.vhd');
      copyFileSync(fixed, copy);
      flipByte(copy, 2 * MIB + 1);
      const r = asr('disk', 'convert', '--input-format', 'vhd', copy, join(dir.path, 'cookie.out.vhd'));
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/corrupt: VHD footer cookie at offset 2097152, expected conectix/);
      expect(existsSync(join(dir.path, 'cookie.out.vhd'))).toBe(false);
    });
  });

  describe('VHDX', () => {
    it('a flipped byte in both headers fails their checksums', () => {
      expectRefused(vhdx, (f) => { flipByte(f, 64 * KIB + 200); flipByte(f, 128 * KIB + 200); }, /corrupt: VHDX header checksum at offset 65540.*both headers/);
    });
    it('one damaged header falls back to the other, and the result is still identical', () => {
      const copy = join(dir.path, 'one-header.vhdx');
      copyFileSync(vhdx, copy);
      flipByte(copy, 64 * KIB + 200);
      const out = join(dir.path, 'one-header.vhd');
      expect(asr('disk', 'convert', copy, out).status).toBe(0);
      expect(compareImages(vhdx, 'vhdx', out, 'vpc').status).toBe(0);
    });
    it('a flipped byte in the region table fails its checksum', () => {
      expectRefused(vhdx, (f) => flipByte(f, 192 * KIB + 40), /corrupt: VHDX region table checksum at offset 196612/);
    });
    it('a BAT entry pointing past the end of the file', () => {
      const bat = vhdxBatOffset();
      const entry = Buffer.alloc(8);
      entry.writeBigUInt64LE((4000n << 20n) | 6n);
      expectRefused(vhdx, (f) => writeAt(f, bat, entry), new RegExp(`corrupt: VHDX BAT payload entry 0 \\(block 0\\) file offset at offset ${bat}.*past the end`));
    });
    it('two BAT entries claiming the same block', () => {
      const bat = vhdxBatOffset();
      expectRefused(vhdx, (f) => writeAt(f, bat + 8, readAt(f, bat, 8)), /corrupt: VHDX BAT payload entry [01] .*overlapping/);
    });
    it('a truncated file', () => {
      expectRefused(vhdx, (f) => truncateSync(f, statSync(f).size - MIB), /corrupt: VHDX .*(past the end|truncated)/);
    });
    it('a log that needs replay is unsupported', () => {
      expectRefused(vhdx, (f) => {
        for (const at of [64 * KIB, 128 * KIB]) {
          writeAt(f, at + 48, Buffer.from('0123456789abcdef'));
          resealVhdxHeader(f, at);
        }
      }, /unsupported: VHDX header log GUID at offset \d+.*replayed/);
    });
    it('a differencing VHDX is unsupported', () => {
      // qemu-img 7.2 cannot create VHDX children either: set the has-parent flag of the file
      // parameters item (metadata items carry no checksum).
      expectRefused(vhdx, (f) => {
        const params = vhdxFileParametersOffset(f);
        const flags = readAt(f, params + 4, 4);
        flags.writeUInt32LE(flags.readUInt32LE(0) | 2);
        writeAt(f, params + 4, flags);
      }, /unsupported: VHDX file parameters has parent at offset \d+/);
    });
  });
});
