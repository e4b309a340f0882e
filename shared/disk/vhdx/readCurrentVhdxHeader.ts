import { CorruptFormatError, UnsupportedFormatError } from '../../errors';
import { ImageFile } from '../binary/ImageFile';
import { guidFromBytes, isZeroGuid } from '../binary/Guid';
import { VHDX_HEADER, VHDX_HEADER_OFFSETS, VHDX_HEADER_SIGNATURE, VhdxHeader, decodeVhdxHeader } from './VhdxHeader';
import { vhdxChecksum } from './vhdxChecksum';

const STRUCTURE = 'VHDX header';

/** A header's first failure in spec order (checksum, then signature), or the header. */
async function readHeader(file: ImageFile, at: number): Promise<VhdxHeader | CorruptFormatError> {
  try {
    const buf = await file.readStructure(STRUCTURE, at, VHDX_HEADER.len);
    const h = decodeVhdxHeader(buf, at);
    const expected = vhdxChecksum(buf, VHDX_HEADER.checksum.at);
    if (h.checksum !== expected) {
      return new CorruptFormatError({ structure: STRUCTURE, field: 'checksum', offset: at + VHDX_HEADER.checksum.at, expected, actual: h.checksum });
    }
    if (h.signature !== VHDX_HEADER_SIGNATURE) {
      return new CorruptFormatError({ structure: STRUCTURE, field: 'signature', offset: at, expected: VHDX_HEADER_SIGNATURE, actual: JSON.stringify(h.signature) });
    }
    return h;
  } catch (err) {
    if (err instanceof CorruptFormatError) return err;
    throw err;
  }
}

/**
 * The current VHDX header: of the two copies, the valid one with the larger sequence number
 * (a writer updates them alternately, so one may be stale or torn). Refuses a file whose log
 * must be replayed: its data is not consistent until then.
 * @see MS-VHDX 2.2.2.1 "Header selection"
 */
export async function readCurrentVhdxHeader(file: ImageFile): Promise<VhdxHeader> {
  const [a, b] = await Promise.all(VHDX_HEADER_OFFSETS.map((at) => readHeader(file, at)));
  let current: VhdxHeader;
  if (a instanceof CorruptFormatError && b instanceof CorruptFormatError) {
    throw new CorruptFormatError(a.location, `both headers are invalid; the second: ${b.message}`);
  } else if (a instanceof CorruptFormatError) current = b as VhdxHeader;
  else if (b instanceof CorruptFormatError) current = a;
  else current = b.sequenceNumber > a.sequenceNumber ? b : a;

  const at = current.at;
  if (current.version !== 1) {
    throw new UnsupportedFormatError({ structure: STRUCTURE, field: 'version', offset: at + VHDX_HEADER.version.at, expected: 1, actual: current.version });
  }
  if (!isZeroGuid(current.logGuid)) {
    throw new UnsupportedFormatError(
      { structure: STRUCTURE, field: 'log GUID', offset: at + VHDX_HEADER.logGuid.at, expected: '00000000-0000-0000-0000-000000000000', actual: guidFromBytes(current.logGuid) },
      'the VHDX log must be replayed (the disk was not closed cleanly); attach it once in Hyper-V or run `qemu-img check -r all` on it, then retry',
    );
  }
  if (current.logVersion !== 0) {
    throw new UnsupportedFormatError({ structure: STRUCTURE, field: 'log version', offset: at + VHDX_HEADER.logVersion.at, expected: 0, actual: current.logVersion });
  }
  return current;
}
