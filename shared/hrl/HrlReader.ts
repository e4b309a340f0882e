import { ByteQueue } from './ByteQueue';
import { HrlExpectation } from './HrlExpectation';
import { HrlHeader } from './HrlHeader';
import { HRL_HEADER_PREFIX_LENGTH } from './HrlHeaderToken';
import { HrlRecord } from './HrlRecord';
import { HRL_RECORD_HEADER_LENGTH } from './HrlRecordHeaderToken';
import { HrlTrailer } from './HrlTrailer';
import { HRL_TRAILER_LENGTH } from './HrlTrailerToken';
import { HrlValidator } from './HrlValidator';

/** What {@link HrlReader} yields, in this order: one header, the records, one end. */
export type HrlEntry =
  | { kind: 'header'; header: HrlHeader }
  | { kind: 'record'; record: HrlRecord }
  | { kind: 'end'; trailer: HrlTrailer };

/**
 * Streaming, strict reader over chunks of any size (a blob download, a file stream). It applies
 * the same rules as {@link parseHrl}, structure by structure, holding at most one record in
 * memory. WARNING: records are yielded before the trailer is checked; a consumer that applies
 * them must treat the log as good only after the `end` entry (or use parseHrl).
 *
 * @example
 * for await (const e of new HrlReader(blobStream, { diskId })) if (e.kind === 'record') ...
 */
export class HrlReader implements AsyncIterable<HrlEntry> {
  constructor(
    private readonly source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    private readonly expect?: HrlExpectation,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<HrlEntry> {
    const v = new HrlValidator(this.expect);
    const q = new ByteQueue(this.source);
    const take = async (structure: string, field: string, n: number, start = v.position): Promise<Buffer> => {
      const b = await q.read(n);
      if (b.length < n) throw v.truncated(structure, field, n, b.length, start);
      return b;
    };
    try {
      const prefix = await q.read(HRL_HEADER_PREFIX_LENGTH);
      const headerLength = v.headerLength(prefix);
      const rest = await take('HRL header', 'header', headerLength - prefix.length, prefix.length);
      yield { kind: 'header', header: v.acceptHeader(Buffer.concat([prefix, rest])) };
      for (;;) {
        const tag = await take('HRL record', 'tag', 4);
        if (v.kindOf(tag, 0) === 'trailer') {
          const trailer = Buffer.concat([tag, await take('HRL trailer', 'trailer', HRL_TRAILER_LENGTH - 4, v.position + 4)]);
          const end = v.acceptTrailer(trailer);
          const extra = await q.remaining();
          if (extra > 0) throw v.trailingBytes();
          yield { kind: 'end', trailer: end };
          return;
        }
        const recordHeader = Buffer.concat([tag, await take('HRL record', 'header', HRL_RECORD_HEADER_LENGTH - 4, v.position + 4)]);
        const length = v.payloadLength(recordHeader, 0);
        const payload = await take('HRL record', 'payload', length, v.position + HRL_RECORD_HEADER_LENGTH);
        const record: HrlRecord = v.acceptRecord(recordHeader, 0, payload);
        yield { kind: 'record', record };
      }
    } finally {
      await q.close();
    }
  }
}
