import { execFileSync } from 'node:child_process';
import { unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFixedVhdFooter, validateVhdFooter, vhdChecksum, vhdGeometry } from '../../../shared/disk';
import { CorruptFormatError } from '../../../shared/errors';
import { tempDir } from '../../support/tempDir';
import { readTail512 } from '../../integration/disk/fileBytes';

const GIB = 2 ** 30;

function qemuFixedFooter(path: string, size: number): Buffer {
  execFileSync('qemu-img', ['create', '-q', '-f', 'vpc', '-o', 'subformat=fixed', path, String(size)]);
  try {
    return readTail512(path);
  } finally {
    unlinkSync(path);
  }
}

describe('VHD footer checksum and CHS geometry, against footers qemu-img writes', () => {
  const dir = tempDir('asr-vhd-footer-');
  afterAll(() => dir.cleanup());

  // Covers each branch of the spec algorithm: 17, 31 (none here), 63 and 255 sectors per
  // track, and the 65535/16/255 cap past 127 GiB. qemu sizes these disks by geometry.
  it.each([10_000_000, 100 * 2 ** 20 + 512, GIB + 12345, 40 * GIB, 127 * GIB + 5, 140 * GIB])('size %d', (size) => {
    const footer = qemuFixedFooter(join(dir.path, 'q.vhd'), size);
    expect(vhdChecksum(footer, 64)).toBe(footer.readUInt32BE(64));
    const sectors = Number(footer.readBigUInt64BE(48)) / 512;
    expect(vhdGeometry(sectors)).toEqual({
      cylinders: footer.readUInt16BE(56),
      heads: footer.readUInt8(58),
      sectorsPerTrack: footer.readUInt8(59),
    });
    expect(validateVhdFooter(footer, 0).diskType).toBe(2);
  });

  it('a footer we build is one qemu-img reads as a fixed VHD of exactly that size', () => {
    const size = 3 * 2 ** 20;
    const footer = buildFixedVhdFooter({ virtualSize: size, time: new Date('2026-01-01T00:00:00Z') });
    const path = join(dir.path, 'ours.vhd');
    writeFileSync(path, Buffer.concat([Buffer.alloc(size), footer]));
    const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', '-f', 'vpc', path], { encoding: 'utf8' }));
    expect(info['virtual-size']).toBe(size);
    const f = validateVhdFooter(footer, size);
    expect(f).toMatchObject({ creatorApp: 'win ', creatorHostOs: 'Wi2k', diskType: 2, formatVersion: 0x10000, dataOffset: 0xffffffffffffffffn });
    expect(f.currentSize).toBe(BigInt(size));
    expect(f.originalSize).toBe(BigInt(size));
    // 2000-01-01 to 2026-01-01: 26 years with 7 leap days = 9497 days = 820540800 s.
    expect(f.timestamp).toBe(820540800);
  });

  it('a changed byte is caught by the checksum, naming the absolute offset', () => {
    const footer = buildFixedVhdFooter({ virtualSize: 2 ** 20 });
    footer[50] ^= 1;
    expect(() => validateVhdFooter(footer, 1000)).toThrow(CorruptFormatError);
    expect(() => validateVhdFooter(footer, 1000)).toThrow(/VHD footer checksum at offset 1064/);
  });

  it('refuses sizes Azure cannot take', () => {
    expect(() => buildFixedVhdFooter({ virtualSize: 1000 })).toThrow(RangeError);
  });
});
