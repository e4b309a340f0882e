import { CorruptFormatError, UnsupportedFormatError } from '../../errors';
import { ImageFile } from '../binary/ImageFile';
import { guidFromBytes, guidToBytes } from '../binary/Guid';
import { toSafeNumber } from '../binary/toSafeNumber';
import { decodeFields } from '../binary/Token';
import { VhdxRegion } from './readVhdxRegions';
import {
  VHDX_METADATA_ENTRY, VHDX_METADATA_FLAG_REQUIRED, VHDX_METADATA_FLAG_USER, VHDX_METADATA_SIGNATURE, VHDX_METADATA_TABLE,
  VhdxMetadataEntry, VhdxMetadataItem, decodeVhdxMetadataEntry,
} from './VhdxMetadataTable';

const STRUCTURE = 'VHDX metadata table';
const MIB = 1024 * 1024;
/** MS-VHDX 2.6.2.2: the largest virtual disk a VHDX may describe. */
const MAX_VIRTUAL_SIZE = 64 * 1024 ** 4;

/** What the reader needs from the metadata region. */
export interface VhdxMetadata {
  blockSize: number;
  virtualSize: number;
  logicalSectorSize: number;
}

/**
 * Reads the metadata table and the items the reader needs: file parameters (block size,
 * has-parent), virtual disk size and logical sector size. A disk with a parent is refused
 * (unsupported), as is any required item this reader does not know.
 * @see MS-VHDX 2.6 "Metadata Region"
 */
export async function readVhdxMetadata(file: ImageFile, region: VhdxRegion): Promise<VhdxMetadata> {
  const T = VHDX_METADATA_TABLE;
  const at = region.offset;
  const table = await file.readStructure(STRUCTURE, at, T.len);
  const { signature, entryCount: count } = decodeFields(table, 0, T);
  if (signature !== VHDX_METADATA_SIGNATURE) {
    throw new CorruptFormatError({ structure: STRUCTURE, field: 'signature', offset: at, expected: VHDX_METADATA_SIGNATURE, actual: JSON.stringify(signature) });
  }
  if (count > T.maxEntries) {
    throw new CorruptFormatError({ structure: STRUCTURE, field: 'entry count', offset: at + T.entryCount.at, expected: `<= ${T.maxEntries}`, actual: count });
  }
  const known = new Map(Object.values(VhdxMetadataItem).map((g) => [guidToBytes(g).toString('hex'), g]));
  const items = new Map<string, VhdxMetadataEntry>();
  for (let i = 0; i < count; i++) {
    const base = T.entriesAt + i * VHDX_METADATA_ENTRY.len;
    const e = decodeVhdxMetadataEntry(table, base, at + base);
    const id = known.get(e.itemId.toString('hex'));
    if (!id) {
      if ((e.flags & VHDX_METADATA_FLAG_REQUIRED) && !(e.flags & VHDX_METADATA_FLAG_USER)) {
        throw new UnsupportedFormatError({ structure: STRUCTURE, field: `entry ${i} item id`, offset: e.at, expected: 'a known required item', actual: guidFromBytes(e.itemId) });
      }
      continue;
    }
    if (e.length > 0 && (e.offset < T.len || e.offset + e.length > region.length)) {
      throw new CorruptFormatError({ structure: STRUCTURE, field: `entry ${i} offset`, offset: e.at + VHDX_METADATA_ENTRY.offset.at, expected: `an item within [64 KiB, ${region.length}) of the region`, actual: `[${e.offset}, ${e.offset + e.length})` });
    }
    items.set(id, e);
  }
  const item = async (id: string, name: string, minLength: number): Promise<{ buf: Buffer; at: number }> => {
    const e = items.get(id);
    if (!e) throw new CorruptFormatError({ structure: STRUCTURE, field: name, offset: at + T.entriesAt, expected: 'an entry', actual: 'none' });
    if (e.length < minLength) {
      throw new CorruptFormatError({ structure: STRUCTURE, field: `${name} length`, offset: e.at + VHDX_METADATA_ENTRY.length.at, expected: `>= ${minLength}`, actual: e.length });
    }
    return { buf: await file.readStructure(`VHDX ${name}`, at + e.offset, minLength), at: at + e.offset };
  };

  const params = await item(VhdxMetadataItem.fileParameters, 'file parameters', 8);
  const blockSize = params.buf.readUInt32LE(0);
  const flags = params.buf.readUInt32LE(4);
  if (flags & 0x2) {
    throw new UnsupportedFormatError(
      { structure: 'VHDX file parameters', field: 'has parent', offset: params.at + 4, expected: 0, actual: 1 },
      'differencing disks need their parent chain; merge it first (e.g. qemu-img convert) and convert the result',
    );
  }
  if (blockSize < MIB || blockSize > 256 * MIB || (blockSize & (blockSize - 1)) !== 0) {
    throw new CorruptFormatError({ structure: 'VHDX file parameters', field: 'block size', offset: params.at, expected: 'a power of two in [1 MiB, 256 MiB]', actual: blockSize });
  }
  const sector = await item(VhdxMetadataItem.logicalSectorSize, 'logical sector size', 4);
  const logicalSectorSize = sector.buf.readUInt32LE(0);
  if (logicalSectorSize !== 512 && logicalSectorSize !== 4096) {
    throw new CorruptFormatError({ structure: 'VHDX logical sector size', field: 'value', offset: sector.at, expected: '512 or 4096', actual: logicalSectorSize });
  }
  const size = await item(VhdxMetadataItem.virtualDiskSize, 'virtual disk size', 8);
  const virtualSize = toSafeNumber(size.buf.readBigUInt64LE(0), 'VHDX virtual disk size', 'value', size.at);
  if (virtualSize === 0 || virtualSize > MAX_VIRTUAL_SIZE || virtualSize % logicalSectorSize !== 0) {
    throw new CorruptFormatError({ structure: 'VHDX virtual disk size', field: 'value', offset: size.at, expected: `a non-zero multiple of ${logicalSectorSize} up to 64 TiB`, actual: virtualSize });
  }
  return { blockSize, virtualSize, logicalSectorSize };
}
