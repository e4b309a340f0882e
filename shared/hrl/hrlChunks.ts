import { HrlHeaderInit } from './HrlHeader';
import { HrlWriter, HrlWriterOptions } from './HrlWriter';

/** A write to put in a log: plaintext `payload` at disk byte `offset`. */
export interface HrlWrite {
  offset: number;
  payload: Uint8Array;
}

/**
 * The bytes of a log as a stream of Buffers, pulling writes as it goes; feed it to
 * `Readable.from(...)`, `pipeline(...)` or a blob upload.
 */
export async function* hrlChunks(
  header: HrlHeaderInit,
  writes: AsyncIterable<HrlWrite> | Iterable<HrlWrite>,
  options: HrlWriterOptions = {},
): AsyncGenerator<Buffer> {
  const writer = new HrlWriter(header, options);
  for await (const w of writes) yield* writer.addRecord(w.offset, w.payload);
  yield* writer.finish();
}
