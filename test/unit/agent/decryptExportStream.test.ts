import { randomBytes } from 'node:crypto';
import { decryptExportStream } from '../../../cli/progress/decryptingDownload';
import { encryptDataUnits } from '../../../shared/crypto';

const K = 4096;

async function* chunked(buf: Buffer, sizes: () => number): AsyncGenerator<Buffer> {
  for (let at = 0; at < buf.length;) {
    const n = Math.min(sizes(), buf.length - at);
    yield buf.subarray(at, at + n);
    at += n;
  }
}

describe('decryptExportStream', () => {
  it('decrypts written units at their offsets, keeps unwritten (zero) units and the footer, whatever the chunking', async () => {
    const key = randomBytes(64);
    const dataBytes = 16 * K;
    const plain = Buffer.alloc(dataBytes);
    randomBytes(3 * K).copy(plain, 2 * K);
    randomBytes(K).copy(plain, 15 * K);
    const stored = Buffer.alloc(dataBytes);
    for (const [at, len] of [[2 * K, 3 * K], [15 * K, K]]) encryptDataUnits(key, plain.subarray(at, at + len), at).copy(stored, at);
    const footer = randomBytes(512 + 3 * K); // VHD padding and footer: passed through untouched
    const exported = Buffer.concat([stored, footer]);
    for (const sizes of [() => 1 + Math.floor(Math.random() * 9000), () => 4096, () => exported.length, () => 511]) {
      const out: Buffer[] = [];
      for await (const c of decryptExportStream(chunked(exported, sizes), key, dataBytes)) out.push(c);
      expect(Buffer.concat(out).equals(Buffer.concat([plain, footer]))).toBe(true);
    }
  });
});
