import { CorruptFormatError } from '../errors';
import { DiskFormat, DiskImage } from './DiskImage';
import { ImageFile } from './binary/ImageFile';
import { toSafeNumber } from './binary/toSafeNumber';
import { FlatDiskImage } from './raw/FlatDiskImage';
import { DynamicVhdImage } from './vhd/DynamicVhdImage';
import { VHD_COOKIE, VHD_FOOTER, VhdDiskType } from './vhd/VhdFooter';
import { validateVhdFooter } from './vhd/validateVhdFooter';
import { VhdxImage } from './vhdx/VhdxImage';

/** Signature of the VHDX file type identifier at offset 0. @see MS-VHDX 2.2.1 */
const VHDX_SIGNATURE = 'vhdxfile';

export interface OpenDiskImageOptions {
  /** Skip detection and read the file as this format ('vhd' = fixed or dynamic by its footer). */
  format?: 'raw' | 'vhd' | 'vhdx';
}

/**
 * Detects what `path` holds and opens it: VHDX by its leading `vhdxfile`; a dynamic VHD by the
 * footer copy (`conectix`) at 0; a fixed VHD by the footer alone at the end (no leading magic);
 * anything else is raw. Tables are validated before this returns, so a damaged or
 * unsupported image fails here with `CorruptFormatError` / `UnsupportedFormatError`.
 */
export async function openDiskImage(path: string, options: OpenDiskImageOptions = {}): Promise<DiskImage> {
  const file = await ImageFile.open(path);
  try {
    const head = await file.readUpTo(0, 8);
    const tail = file.size >= VHD_FOOTER.len ? await file.readUpTo(file.size - VHD_FOOTER.len, 8) : Buffer.alloc(0);
    const format = options.format ?? detect(head, tail);
    if (format === 'vhdx') return await VhdxImage.open(file);
    if (format === 'raw') {
      if (!options.format) await refuseCutVhdFooter(file);
      return new FlatDiskImage(file, 'raw', file.size);
    }
    return await openVhd(file);
  } catch (err) {
    await file.close();
    throw err;
  }
}

function detect(head: Buffer, tail: Buffer): 'raw' | 'vhd' | 'vhdx' {
  const lead = head.toString('latin1');
  if (lead === VHDX_SIGNATURE) return 'vhdx';
  if (lead === VHD_COOKIE || tail.toString('latin1') === VHD_COOKIE) return 'vhd';
  return 'raw';
}

/**
 * A fixed VHD cut short by less than a sector still shows its footer cookie near the end, just
 * not 512 bytes before it. Raw disks are whole sectors, so a cookie there means truncation, not
 * data. (Cut by a sector or more, a fixed VHD is indistinguishable from a raw image.)
 */
async function refuseCutVhdFooter(file: ImageFile): Promise<void> {
  if (file.size % 512 === 0) return;
  const from = Math.max(0, file.size - 2 * VHD_FOOTER.len);
  const at = (await file.readUpTo(from, file.size - from)).indexOf(VHD_COOKIE, 0, 'latin1');
  if (at < 0) return;
  throw new CorruptFormatError(
    { structure: 'VHD footer', field: 'extent', offset: from + at, expected: `512 bytes ending the file at ${from + at + VHD_FOOTER.len}`, actual: `${file.size - from - at} bytes` },
    'a fixed VHD footer that does not end the file: truncated',
  );
}

async function openVhd(file: ImageFile): Promise<DiskImage> {
  const footerAt = file.size - VHD_FOOTER.len;
  const buf = await file.readStructure('VHD footer', Math.max(0, footerAt), VHD_FOOTER.len);
  if (buf.toString('latin1', 0, 8) !== VHD_COOKIE) {
    // A dynamic VHD announced by its leading copy, but the real footer is gone.
    throw new CorruptFormatError(
      { structure: 'VHD footer', field: 'cookie', offset: footerAt, expected: VHD_COOKIE, actual: JSON.stringify(buf.toString('latin1', 0, 8)) },
      'the footer at the end of the file is missing: truncated or damaged',
    );
  }
  const footer = validateVhdFooter(buf, footerAt);
  if (footer.diskType === VhdDiskType.dynamic) {
    validateVhdFooter(await file.readStructure('VHD footer copy', 0, VHD_FOOTER.len), 0, 'VHD footer copy');
    return DynamicVhdImage.open(file, footer);
  }
  const size = toSafeNumber(footer.currentSize, 'VHD footer', 'current size', footerAt + VHD_FOOTER.currentSize.at);
  if (size > footerAt) {
    throw new CorruptFormatError(
      { structure: 'VHD footer', field: 'current size', offset: footerAt + VHD_FOOTER.currentSize.at, expected: `<= ${footerAt} (data before the footer)`, actual: size },
      'fixed VHD data is shorter than its footer says: truncated',
    );
  }
  return new FlatDiskImage(file, 'vhd-fixed', size);
}

export type { DiskFormat };
