import { crc32c } from '@node-rs/crc32';
import { HrlLogChecksum } from '../../../shared/hrl';

describe('HRL log checksum', () => {
  it('equals one CRC-32C over header, every record CRC (LE) and trailer prefix, across batch flushes', () => {
    const header = Buffer.from('a header of some length');
    const crcs = Array.from({ length: 40000 }, (_, i) => (i * 2654435761) >>> 0); // > 2 batches
    const trailer = Buffer.alloc(24, 3);
    const c = new HrlLogChecksum();
    c.addHeader(header);
    crcs.forEach((x) => c.addRecordCrc(x));
    const le = Buffer.alloc(crcs.length * 4);
    crcs.forEach((x, i) => le.writeUInt32LE(x, i * 4));
    expect(c.valueWith(trailer)).toBe(crc32c(Buffer.concat([header, le, trailer])));
    expect(c.valueWith(trailer)).toBe(crc32c(Buffer.concat([header, le, trailer]))); // not consumed
  });
});
