import type { PageBlobClient, PageBlobRequestConditions } from '@azure/storage-blob';
import { DiskImage } from './DiskImage';
import { PageBlobWriter, PageBlobWriterStats } from './PageBlobWriter';
import { azureVirtualSize } from './azureVirtualSize';
import { buildFixedVhdFooter } from './vhd/buildFixedVhdFooter';

export interface UploadFixedVhdOptions {
  /** Replace an existing blob. Default false: create only if none exists (If-None-Match: *). */
  overwrite?: boolean;
  /** Sent with every Put Page (lease id, sequence-number or ETag conditions) and, with `overwrite`, with Create. */
  conditions?: PageBlobRequestConditions;
  maxInFlight?: number;
  onProgress?(done: number, total: number): void;
}

export interface UploadFixedVhdResponse extends PageBlobWriterStats {
  /** The page blob holds this many bytes of disk, then the 512-byte footer. */
  virtualSize: number;
}

/**
 * Seeds a page blob with `image` as a fixed VHD: creates a blob of virtual size (rounded up to
 * a whole MiB) + 512 bytes, writes only stored, non-zero data, and writes the footer last, so
 * a blob with a footer is a complete disk.
 */
export async function uploadFixedVhdToPageBlob(
  image: DiskImage,
  client: PageBlobClient,
  options: UploadFixedVhdOptions = {},
): Promise<UploadFixedVhdResponse> {
  const virtualSize = azureVirtualSize(image.virtualSize);
  await client.create(virtualSize + 512, options.overwrite ? { conditions: options.conditions } : { conditions: { ifNoneMatch: '*' } });
  const writer = new PageBlobWriter(client, { conditions: options.conditions, maxInFlight: options.maxInFlight });
  // Small pieces skip zero runs finely; the writer coalesces adjacent ones back into 4 MiB calls.
  const onScanned = (reached: number) => options.onProgress?.(reached, image.virtualSize);
  for await (const extent of image.extents({ skipZeroes: true, maxExtentBytes: 256 * 1024, onScanned })) {
    let data = extent.data;
    // A raw image may end mid-sector; the blob is whole pages, zero past the image's end.
    if (data.length % 512 !== 0) data = Buffer.concat([data, Buffer.alloc(512 - (data.length % 512))]);
    await writer.write(extent.offset, data);
  }
  await writer.flush();
  await writer.write(virtualSize, buildFixedVhdFooter({ virtualSize }));
  await writer.flush();
  return { virtualSize, ...writer.stats };
}
