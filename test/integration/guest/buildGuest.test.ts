import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildGuest } from '../../support/guest';
import { tempDir } from '../../support/tempDir';

const MIB = 1024 * 1024;

describe('scripts/build-guest.sh: the test guest from Debian packages', () => {
  const tmp = tempDir('guest-build-');
  afterAll(() => tmp.cleanup());

  it('builds an MBR disk (syslinux MBR code, bootable FAT partition with kernel + initramfs, data partition), not whole MiB; a second run is a cache hit', () => {
    const env = { ...process.env, ASR_GUEST_CACHE: tmp.path };
    const t0 = Date.now();
    const guest = buildGuest(env);
    const buildMs = Date.now() - t0;
    const t1 = Date.now();
    expect(buildGuest(env)).toEqual(guest);
    const cachedMs = Date.now() - t1;
    process.stdout.write(`guest build ${buildMs} ms, cached ${cachedMs} ms\n`);

    const size = statSync(guest.path).size;
    expect(size % MIB).not.toBe(0);
    expect(guest.dataOffset + guest.dataBytes).toBeLessThanOrEqual(size);
    const image = readFileSync(guest.path);
    expect(image.readUInt16LE(510)).toBe(0xaa55);
    // syslinux's mbr.bin is the boot code (its first 440 bytes)
    expect(image.subarray(0, 440).equals(readFileSync('/usr/lib/syslinux/mbr/mbr.bin').subarray(0, 440))).toBe(true);
    // the boot partition holds what syslinux loads (mtools reads FAT at an offset: `image@@offset`)
    const files = execFileSync('mdir', ['-a', '-b', '-i', `${guest.path}@@${MIB}`, '::/'], { encoding: 'utf8' });
    expect(files).toMatch(/VMLINUZ/i);
    expect(files).toMatch(/INITRD\.GZ/i);
    expect(files).toMatch(/LDLINUX\.SYS/i);
    // the data partition starts empty: the source machine writes it
    expect(image.subarray(guest.dataOffset, guest.dataOffset + guest.dataBytes).every((b) => b === 0)).toBe(true);
    expect(readFileSync(join(dirname(guest.path), 'inputs.txt'), 'utf8')).toMatch(/linux-image-amd64=.*\nbusybox-static=|busybox-static=/);
  });
});
