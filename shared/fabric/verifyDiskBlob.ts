import type { PageBlobClient } from '@azure/storage-blob';
import { RestError } from '@azure/storage-blob';
import { azureVirtualSize, digestOfBlob, validateVhdFooter, VhdDiskType } from '../disk';
import { CorruptFormatError, UnsupportedFormatError } from '../errors';
import { FabricError } from './FabricError';

const FOOTER_BYTES = 512;

/** Reads the first `dataBytes` of a disk blob and returns their Merkle digest (hex). */
export type DiskDigestReader = (blob: PageBlobClient, dataBytes: number) => Promise<string>;

/** What a disk check found. */
export interface DiskBlobVerification {
  dataBytes: number;
  digest: string;
}

/**
 * Checks a materialised disk the way a boot would trust it: the blob exists, it is a fixed VHD
 * whose footer verifies (checksum, cookie, version, disk type fixed) and whose size is the source
 * disk's (`dataBytes`) rounded up to whole MiB, as the replica is, then (unless `footerOnly`) the Merkle digest of the data equals
 * `expectedDigest`. The digest is not read again when the blob's ETag is still `unchangedSinceEtag`,
 * the one it had when its bytes were last verified (any write changes it). Throws {@link FabricError}
 * `DiskNotFound`, `DiskFooterInvalid` or `DiskDigestMismatch`, each with causes and a recommended
 * action. `readDigest` reads the data for the digest (default: streamed from the blob and dropped;
 * the qemu fabric keeps what it read as the disk it boots, so the bytes checked are the bytes booted
 * and the blob is read once: it reads them whatever the ETag).
 */
export async function verifyDiskBlob(blob: PageBlobClient, expected: { dataBytes: number; digest: string; label: string },
  options: { footerOnly?: boolean; readDigest?: DiskDigestReader; unchangedSinceEtag?: string } = {}): Promise<DiskBlobVerification> {
  let size: number;
  let etag: string | undefined;
  try {
    ({ contentLength: size = 0, etag } = await blob.getProperties());
  } catch (e) {
    if (e instanceof RestError && e.statusCode === 404) {
      throw new FabricError('DiskNotFound', `disk ${expected.label} is missing from the target (${blob.containerName}/${blob.name})`, {
        cause: e,
        possibleCauses: 'The disk was deleted after it was materialised, or materialisation did not finish.',
        recommendedAction: 'Run the failover again (or clean up the test failover and start a new one) so the disk is materialised again.',
      });
    }
    throw e;
  }
  const footerError = (message: string, cause?: unknown) =>
    new FabricError('DiskFooterInvalid', `disk ${expected.label}: ${message}`, {
      cause,
      possibleCauses: 'The target disk was changed or truncated after it was materialised, or the copy from the recovery point was incomplete.',
      recommendedAction: 'Do not use this machine. Delete it and fail over again from the same recovery point; if it fails again, check the replica with `asr item export-disk` and `qemu-img check`.',
      details: { disk: expected.label, blob: blob.name },
    });
  // The replica (and so every disk made from it) is a VHD of whole MiB, as Azure requires: a
  // source disk of any other size is rounded up, the rest reads as zeros.
  const vhdDataBytes = azureVirtualSize(expected.dataBytes);
  if (size !== vhdDataBytes + FOOTER_BYTES) {
    throw footerError(`the VHD is ${size} bytes, expected ${vhdDataBytes + FOOTER_BYTES} (the ${expected.dataBytes}-byte source disk rounded up to whole MiB, + 512-byte footer)`);
  }
  const footerBuf = await blob.downloadToBuffer(size - FOOTER_BYTES, FOOTER_BYTES);
  try {
    const footer = validateVhdFooter(footerBuf, size - FOOTER_BYTES);
    if (footer.diskType !== VhdDiskType.fixed) throw footerError(`the VHD footer says disk type ${footer.diskType}; Azure boots fixed VHDs (type 2) only`);
    if (footer.currentSize !== BigInt(vhdDataBytes)) throw footerError(`the VHD footer says the disk is ${footer.currentSize} bytes, expected ${vhdDataBytes} (the ${expected.dataBytes}-byte source disk rounded up to whole MiB)`);
  } catch (e) {
    if (e instanceof CorruptFormatError || e instanceof UnsupportedFormatError) throw footerError(e.message, e);
    throw e;
  }
  if (options.footerOnly) return { dataBytes: expected.dataBytes, digest: '' };
  // Verified when it was materialised and not written since (any write changes the ETag): its digest is the expected one.
  if (!options.readDigest && options.unchangedSinceEtag && etag === options.unchangedSinceEtag) return { dataBytes: expected.dataBytes, digest: expected.digest };
  const digest = await (options.readDigest ?? digestOfBlob)(blob, expected.dataBytes);
  if (digest !== expected.digest) {
    throw new FabricError('DiskDigestMismatch', `disk ${expected.label}: its Merkle digest ${digest} differs from the source's ${expected.digest} at the recovery point; the machine was not started`, {
      possibleCauses: 'The target disk was modified after it was materialised, storage corrupted it, or the replica itself is damaged.',
      recommendedAction: 'Do not use this machine. Delete it and fail over again; if the mismatch repeats from the same point, choose an earlier recovery point and report the replica as damaged.',
      details: { disk: expected.label, blob: blob.name, expectedDigest: expected.digest, actualDigest: digest },
    });
  }
  return { dataBytes: expected.dataBytes, digest };
}
