import { CorruptFormatError, UnsupportedFormatError } from '../../errors';
import { ImageFile } from '../binary/ImageFile';
import { guidFromBytes, guidToBytes } from '../binary/Guid';
import { toSafeNumber } from '../binary/toSafeNumber';
import { decodeFields } from '../binary/Token';
import {
  VHDX_BAT_REGION_GUID, VHDX_METADATA_REGION_GUID, VHDX_REGION_ENTRY, VHDX_REGION_SIGNATURE, VHDX_REGION_TABLE,
  VHDX_REGION_TABLE_OFFSETS, decodeVhdxRegionEntry,
} from './VhdxRegionTable';
import { vhdxChecksum } from './vhdxChecksum';

const STRUCTURE = 'VHDX region table';
const MIB = 1024 * 1024;

/** A region of the file: absolute offset, length, and the entry that named it. */
export interface VhdxRegion {
  offset: number;
  length: number;
  /** Absolute offset of the region table entry. */
  entryAt: number;
}

export interface VhdxRegions {
  bat: VhdxRegion;
  metadata: VhdxRegion;
}

/**
 * Reads the primary region table (as qemu does: a damaged primary is refused rather than
 * silently trusting the copy) and returns the BAT and metadata regions. Checks, in order:
 * checksum, signature, entry count, unknown required regions, bounds, alignment.
 * @see MS-VHDX 2.2.3 "Region Table"
 */
export async function readVhdxRegions(file: ImageFile): Promise<VhdxRegions> {
  const at = VHDX_REGION_TABLE_OFFSETS[0];
  const T = VHDX_REGION_TABLE;
  const buf = await file.readStructure(STRUCTURE, at, T.len);
  const { checksum, signature, entryCount: count } = decodeFields(buf, 0, T);
  const expected = vhdxChecksum(buf, T.checksum.at);
  if (checksum !== expected) {
    throw new CorruptFormatError({ structure: STRUCTURE, field: 'checksum', offset: at + T.checksum.at, expected, actual: checksum });
  }
  if (signature !== VHDX_REGION_SIGNATURE) {
    throw new CorruptFormatError({ structure: STRUCTURE, field: 'signature', offset: at, expected: VHDX_REGION_SIGNATURE, actual: JSON.stringify(signature) });
  }
  if (count > T.maxEntries) {
    throw new CorruptFormatError({ structure: STRUCTURE, field: 'entry count', offset: at + T.entryCount.at, expected: `<= ${T.maxEntries}`, actual: count });
  }
  const found: Partial<VhdxRegions> = {};
  const batGuid = guidToBytes(VHDX_BAT_REGION_GUID);
  const metadataGuid = guidToBytes(VHDX_METADATA_REGION_GUID);
  for (let i = 0; i < count; i++) {
    const base = T.entriesAt + i * VHDX_REGION_ENTRY.len;
    const e = decodeVhdxRegionEntry(buf, base, at + base);
    const field = `entry ${i}`;
    const kind = e.guid.equals(batGuid) ? 'bat' : e.guid.equals(metadataGuid) ? 'metadata' : undefined;
    if (!kind) {
      if (e.required & 1) {
        throw new UnsupportedFormatError({ structure: STRUCTURE, field, offset: e.at, expected: 'BAT or metadata region', actual: guidFromBytes(e.guid) }, 'unknown required region');
      }
      continue;
    }
    const offset = toSafeNumber(e.fileOffset, STRUCTURE, `${field} file offset`, e.at + VHDX_REGION_ENTRY.fileOffset.at);
    if (offset < MIB || offset + e.length > file.size) {
      throw new CorruptFormatError(
        { structure: STRUCTURE, field: `${field} (${kind}) file offset`, offset: e.at + VHDX_REGION_ENTRY.fileOffset.at, expected: `a region within [1 MiB, ${file.size})`, actual: `[${offset}, ${offset + e.length})` },
        offset + e.length > file.size ? 'region lies past the end of the file: truncated?' : undefined,
      );
    }
    if (offset % MIB !== 0 || e.length % MIB !== 0 || e.length === 0) {
      throw new CorruptFormatError({ structure: STRUCTURE, field: `${field} (${kind}) alignment`, offset: e.at + VHDX_REGION_ENTRY.fileOffset.at, expected: 'offset and length whole non-zero MiB', actual: `offset ${offset}, length ${e.length}` });
    }
    found[kind] = { offset, length: e.length, entryAt: e.at };
  }
  for (const kind of ['bat', 'metadata'] as const) {
    if (!found[kind]) {
      throw new CorruptFormatError({ structure: STRUCTURE, field: 'entries', offset: at + T.entriesAt, expected: `a ${kind} region`, actual: 'none' });
    }
  }
  return found as VhdxRegions;
}
