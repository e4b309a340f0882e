import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../support/tempDir';
import { readTail512 } from './fileBytes';
import { QemuFormat, asr, compareImages, createImage, ensureBuilt, qemuInfo, writePattern } from './qemu';

const MIB = 1024 * 1024;
const roundUpMiB = (n: number) => Math.ceil(n / MIB) * MIB;

describe('asr disk convert, judged by qemu-img', () => {
  const dir = tempDir('asr-disk-convert-');
  beforeAll(ensureBuilt);
  afterAll(() => dir.cleanup());

  const cases: { name: string; format: QemuFormat; size: number; options?: string; writes: [number, number, number][]; expectFormat: string }[] = [
    {
      name: 'raw, odd size', format: 'raw', size: 10_000_384, expectFormat: 'raw',
      writes: [[0xab, 0, 65536], [0xcd, 3 * MIB + 4096, MIB], [0x11, 10_000_384 - 512, 512]],
    },
    {
      name: 'fixed VHD', format: 'vpc', size: 7 * MIB + 512, options: 'subformat=fixed,force_size=on', expectFormat: 'vhd-fixed',
      writes: [[0xab, 512, 4096], [0xcd, 5 * MIB, 2 * MIB], [0x22, 7 * MIB, 512]],
    },
    {
      name: 'dynamic VHD', format: 'vpc', size: 10_000_000, options: 'subformat=dynamic', expectFormat: 'vhd-dynamic',
      writes: [[0xab, 0, 65536], [0xcd, 2 * MIB - 512, 1024], [0x33, 9 * MIB, 4096]],
    },
    {
      name: 'VHDX, 1 MiB blocks', format: 'vhdx', size: 9 * MIB + 4096, options: 'block_size=1M', expectFormat: 'vhdx',
      writes: [[0xab, 0, 65536], [0xcd, MIB - 512, 8192], [0x44, 9 * MIB, 4096]],
    },
    {
      // Past 4 GiB the BAT of a 1 MiB-block VHDX holds a sector-bitmap entry after every 4096
      // payload entries; data beyond the first chunk proves the interleave is honoured.
      name: 'sparse VHDX over 4 GiB, data past the first chunk', format: 'vhdx', size: 4300 * MIB + 512 * 7, options: 'block_size=1M', expectFormat: 'vhdx',
      writes: [[0xab, 0, 4096], [0xcd, 4096 * MIB - 4096, 8192], [0xef, 4200 * MIB + 512, 65536], [0x55, 4300 * MIB, 512]],
    },
  ];

  it.each(cases)('$name: output is identical, a whole MiB, footer last', (c) => {
    const input = join(dir.path, `${c.name.replace(/\W+/g, '-')}.${c.format}`);
    const out = `${input}.out.vhd`;
    createImage(input, c.format, c.size, c.options);
    writePattern(input, c.format, c.writes);

    const info = asr('disk', 'info', '--json', input);
    expect(info.status).toBe(0);
    const parsed = JSON.parse(info.stdout);
    expect(parsed.format).toBe(c.expectFormat);
    const qemuSize = qemuInfo(input, c.format)['virtual-size'];
    expect(parsed.virtualSize).toBe(qemuSize);

    const r = asr('disk', 'convert', input, out);
    expect(r.stderr).not.toMatch(/asr:/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^wrote .*fixed VHD/);

    const cmp = compareImages(input, c.format, out, 'vpc');
    expect(cmp.output).toMatch(/Images are identical/);
    expect(cmp.status).toBe(0);

    const virtualSize = roundUpMiB(qemuSize);
    expect(statSync(out).size).toBe(virtualSize + 512);
    const outInfo = qemuInfo(out, 'vpc');
    expect(outInfo.format).toBe('vpc');
    expect(outInfo['virtual-size']).toBe(virtualSize);
    const footer = readTail512(out);
    expect(footer.toString('latin1', 0, 8)).toBe('conectix');
    expect(footer.toString('latin1', 28, 32)).toBe('win ');
    expect(footer.readUInt32BE(60)).toBe(2);
    expect(readdirSync(dir.path).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  it('reads back the converted VHD with asr itself, and refuses to overwrite without --force', () => {
    const input = join(dir.path, 'again.raw');
    const out = join(dir.path, 'again.vhd');
    createImage(input, 'raw', 3 * MIB);
    writePattern(input, 'raw', [[0x7e, MIB, 4096]]);
    expect(asr('disk', 'convert', input, out).status).toBe(0);
    const info = JSON.parse(asr('disk', 'info', '--json', out).stdout);
    expect(info).toEqual({ format: 'vhd-fixed', virtualSize: 3 * MIB, logicalSectorSize: 512, allocatedBytes: 3 * MIB, blockSize: null });
    const before = readFileSync(out);
    const again = asr('disk', 'convert', input, out);
    expect(again.status).not.toBe(0);
    expect(again.stderr).toMatch(/already exists.*--force/);
    expect(readFileSync(out).equals(before)).toBe(true);
    expect(asr('disk', 'convert', '--force', input, out).status).toBe(0);
  });

  it('prints progress lines when stderr is not a terminal', () => {
    const input = join(dir.path, 'progress.vhdx');
    createImage(input, 'vhdx', 4 * MIB, 'block_size=1M');
    const r = asr('disk', 'convert', input, join(dir.path, 'progress.vhd'));
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^converting: 100% \(4\.00 MiB of 4\.00 MiB\)$/m);
  });
});
