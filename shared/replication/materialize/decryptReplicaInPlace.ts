import type { PageBlobClient } from '@azure/storage-blob';
import { DATA_UNIT_SIZE, decryptDataUnits } from '../../crypto';
import { PageBlobWriter } from '../../disk';
import { writtenRanges } from '../core/writtenRanges';

/**
 * Turns a materialised ciphertext disk into plaintext: every written 4 KiB unit below
 * `dataBytes` is decrypted with its XTS tweak (the unit index). Units never written are zeros
 * in the replica and stay zeros: the agent ships every unit it has ever seen non-zero, so a
 * zero unit is a zero source unit, not ciphertext. The VHD footer (past `dataBytes`) is left alone.
 */
export async function decryptReplicaInPlace(blob: PageBlobClient, key: Uint8Array, dataBytes: number, chunkBytes: number): Promise<void> {
  const writer = new PageBlobWriter(blob, { maxInFlight: 4 });
  for (const r of await writtenRanges(blob, dataBytes)) {
    const start = Math.floor(r.start / DATA_UNIT_SIZE) * DATA_UNIT_SIZE;
    const end = Math.min(Math.ceil(r.end / DATA_UNIT_SIZE) * DATA_UNIT_SIZE, dataBytes);
    for (let at = start; at < end; at += chunkBytes) {
      const n = Math.min(chunkBytes, end - at);
      const cipher = await blob.downloadToBuffer(at, n);
      await writer.write(at, decryptDataUnits(key, cipher, at));
    }
  }
  await writer.flush();
}
