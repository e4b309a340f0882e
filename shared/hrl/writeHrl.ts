import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HrlHeaderInit } from './HrlHeader';
import { HrlWrite, hrlChunks } from './hrlChunks';
import { HrlWriterOptions } from './HrlWriter';

/**
 * Writes a whole log to `stream` with backpressure and ends the stream. Rejects (and destroys
 * the stream) if a write is refused, so a half-written log never looks finished.
 */
export async function writeHrl(
  stream: Writable,
  header: HrlHeaderInit,
  writes: AsyncIterable<HrlWrite> | Iterable<HrlWrite>,
  options: HrlWriterOptions = {},
): Promise<void> {
  await pipeline(Readable.from(hrlChunks(header, writes, options), { objectMode: false }), stream);
}
