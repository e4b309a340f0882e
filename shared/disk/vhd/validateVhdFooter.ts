import { CorruptFormatError, UnsupportedFormatError } from '../../errors';
import { vhdChecksum } from './VhdChecksum';
import { VHD_COOKIE, VHD_FOOTER, VHD_FORMAT_VERSION, VhdDiskType, VhdFooter, decodeVhdFooter } from './VhdFooter';

/**
 * Decodes and checks a VHD footer read from absolute offset `at`, in spec order: checksum,
 * cookie, version, disk type (differencing is valid but unsupported).
 */
export function validateVhdFooter(buf: Buffer, at: number, structure = 'VHD footer'): VhdFooter {
  const footer = decodeVhdFooter(buf);
  const expected = vhdChecksum(buf, VHD_FOOTER.checksum.at);
  const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
  if (footer.checksum !== expected) {
    throw new CorruptFormatError(
      { structure, field: 'checksum', offset: at + VHD_FOOTER.checksum.at, expected: hex(expected), actual: hex(footer.checksum) },
    );
  }
  if (footer.cookie !== VHD_COOKIE) {
    throw new CorruptFormatError(
      { structure, field: 'cookie', offset: at + VHD_FOOTER.cookie.at, expected: VHD_COOKIE, actual: JSON.stringify(footer.cookie) },
    );
  }
  if (footer.formatVersion !== VHD_FORMAT_VERSION) {
    throw new UnsupportedFormatError(
      { structure, field: 'format version', offset: at + VHD_FOOTER.formatVersion.at, expected: hex(VHD_FORMAT_VERSION), actual: hex(footer.formatVersion) },
    );
  }
  if (footer.diskType === VhdDiskType.differencing) {
    throw new UnsupportedFormatError(
      { structure, field: 'disk type', offset: at + VHD_FOOTER.diskType.at, expected: '2 (fixed) or 3 (dynamic)', actual: '4 (differencing)' },
      'differencing disks need their parent chain; merge it first (e.g. qemu-img convert) and convert the result',
    );
  }
  if (footer.diskType !== VhdDiskType.fixed && footer.diskType !== VhdDiskType.dynamic) {
    throw new CorruptFormatError(
      { structure, field: 'disk type', offset: at + VHD_FOOTER.diskType.at, expected: '2, 3 or 4', actual: footer.diskType },
    );
  }
  return footer;
}
