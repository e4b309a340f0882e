import { HrlHeaderInit } from './HrlHeader';
import { HrlWrite } from './hrlChunks';
import { HrlWriter, HrlWriterOptions } from './HrlWriter';

/** Convenience: a whole log as one Buffer (tests, small logs). */
export function buildHrl(header: HrlHeaderInit, writes: Iterable<HrlWrite>, options: HrlWriterOptions = {}): Buffer {
  const writer = new HrlWriter(header, options);
  const parts: Buffer[] = [];
  for (const w of writes) parts.push(...writer.addRecord(w.offset, w.payload));
  parts.push(...writer.finish());
  return Buffer.concat(parts);
}
