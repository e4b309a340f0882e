import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ServiceError } from '../errors';
import { DiskImage } from './DiskImage';
import { buildFixedVhdFooter } from './vhd/buildFixedVhdFooter';
import { azureVirtualSize } from './azureVirtualSize';

export interface WriteFixedVhdOptions {
  /** Replace an existing output file. Default false: an existing file is an error. */
  overwrite?: boolean;
  /** Called after each extent with bytes of the virtual disk covered so far and the total. */
  onProgress?(done: number, total: number): void;
}

export interface WriteFixedVhdResponse {
  /** Virtual size written: the source's, rounded up to a whole MiB. */
  virtualSize: number;
  /** Bytes of data copied (zero runs and unallocated blocks are left as holes). */
  bytesWritten: number;
}

/**
 * Writes `image` as an Azure-ready fixed VHD at `outPath`: data, then holes for what the image
 * does not store, then the footer last. The file is built under a temporary name beside
 * `outPath` and renamed at the end, so a failure (a corrupt block found midway) leaves nothing.
 */
export async function writeFixedVhd(image: DiskImage, outPath: string, options: WriteFixedVhdOptions = {}): Promise<WriteFixedVhdResponse> {
  if (!options.overwrite && (await stat(outPath).then(() => true, () => false))) {
    throw new ServiceError('OutputExists', `${outPath} already exists; remove it or pass --force`);
  }
  const virtualSize = azureVirtualSize(image.virtualSize);
  const tmp = join(dirname(outPath), `.${basename(outPath)}.${randomBytes(4).toString('hex')}.partial`);
  const out = await open(tmp, 'wx');
  let bytesWritten = 0;
  try {
    // Sized first so unwritten ranges are holes that read as zero.
    await out.truncate(virtualSize + 512);
    const onScanned = (reached: number) => options.onProgress?.(reached, image.virtualSize);
    for await (const extent of image.extents({ skipZeroes: true, onScanned })) {
      await out.write(extent.data, 0, extent.data.length, extent.offset);
      bytesWritten += extent.data.length;
    }
    await out.write(buildFixedVhdFooter({ virtualSize }), 0, 512, virtualSize);
    await out.sync();
    await out.close();
    await rename(tmp, outPath);
  } catch (err) {
    await out.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  options.onProgress?.(image.virtualSize, image.virtualSize);
  return { virtualSize, bytesWritten };
}
