import { DIGEST_BLOCK_SIZE } from './merkleHash';

/**
 * Re-cuts chunks of any size into the digest's 4 KiB blocks (the last one may be short), and
 * insists on exactly `size` bytes: a digest of the wrong length would verify nothing. Blocks
 * are views into the chunks where possible; a block spanning chunks is assembled in a scratch
 * buffer that is reused, so consume each block before pulling the next.
 */
export async function* diskBlocks(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  size: number,
): AsyncGenerator<Uint8Array> {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`size ${size} is not a byte count`);
  const partial = Buffer.allocUnsafe(DIGEST_BLOCK_SIZE);
  let partialLength = 0;
  let seen = 0;
  for await (const chunk of source) {
    seen += chunk.length;
    if (seen > size) throw new RangeError(`source yielded more than the declared ${size} bytes`);
    let at = 0;
    if (partialLength > 0) {
      const take = Math.min(DIGEST_BLOCK_SIZE - partialLength, chunk.length);
      partial.set(chunk.subarray(0, take), partialLength);
      partialLength += take;
      at = take;
      if (partialLength === DIGEST_BLOCK_SIZE) {
        yield partial;
        partialLength = 0;
      }
    }
    for (; at + DIGEST_BLOCK_SIZE <= chunk.length; at += DIGEST_BLOCK_SIZE) yield chunk.subarray(at, at + DIGEST_BLOCK_SIZE);
    if (at < chunk.length) {
      partial.set(chunk.subarray(at), partialLength);
      partialLength += chunk.length - at;
    }
  }
  if (seen !== size) throw new RangeError(`source yielded ${seen} bytes, expected ${size}`);
  if (partialLength > 0) yield partial.subarray(0, partialLength);
}
