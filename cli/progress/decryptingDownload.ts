import { DATA_UNIT_SIZE, decryptDataUnits } from '../../shared/crypto';

const ZERO_UNIT = Buffer.alloc(DATA_UNIT_SIZE);

/**
 * Decrypts an exported encrypted disk as it streams by: every written 4 KiB unit below
 * `dataBytes` is AES-256-XTS with its unit index as tweak; an all-zero unit was never written
 * (the agent ships every unit it has seen non-zero) and stays zero; the VHD padding and footer
 * past `dataBytes` pass through. Plaintext exists only in what this yields (the user's file).
 */
export async function* decryptExportStream(chunks: AsyncIterable<Uint8Array>, key: Uint8Array, dataBytes: number): AsyncGenerator<Buffer> {
  let offset = 0;
  let pending = Buffer.alloc(0);
  for await (const chunk of chunks) {
    pending = pending.length ? Buffer.concat([pending, chunk]) : Buffer.from(chunk);
    const out: Buffer[] = [];
    while (pending.length > 0) {
      if (offset >= dataBytes) {
        out.push(pending);
        offset += pending.length;
        pending = Buffer.alloc(0);
        break;
      }
      if (pending.length < DATA_UNIT_SIZE) break;
      const units = Math.min(Math.floor(pending.length / DATA_UNIT_SIZE), Math.ceil((dataBytes - offset) / DATA_UNIT_SIZE));
      for (let i = 0; i < units; i++) {
        const unit = pending.subarray(i * DATA_UNIT_SIZE, (i + 1) * DATA_UNIT_SIZE);
        out.push(unit.equals(ZERO_UNIT) ? Buffer.from(unit) : decryptDataUnits(key, unit, offset + i * DATA_UNIT_SIZE));
      }
      offset += units * DATA_UNIT_SIZE;
      pending = pending.subarray(units * DATA_UNIT_SIZE);
    }
    if (out.length) yield Buffer.concat(out);
  }
  if (pending.length) {
    if (offset < dataBytes) throw new Error(`the export ended inside a data unit at byte ${offset + pending.length}`);
    yield pending;
  }
}
