import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildHrl, parseHrl } from '../../../shared/hrl';

/** The example log of docs/hrl-format.md: the document and the code must agree byte for byte. */
describe('HRL golden vector (docs/hrl-format.md, "Example")', () => {
  const log = buildHrl(
    {
      vaultId: 'v', protectedItemId: 'i', diskId: 'd', sequence: 1n, epoch: 1n, virtualSize: 8192,
      cutTimeMs: 1700000000000, consistency: 'application', finalPlannedFailover: false, diskDigest: Buffer.alloc(32, 0xdd),
    },
    [{ offset: 4096, payload: Buffer.alloc(4096, 0xab) }],
  );

  it('produces exactly the bytes of the hex dump in the format document', () => {
    const doc = readFileSync(join(__dirname, '../../../docs/hrl-format.md'), 'utf8');
    const start = doc.indexOf('## Example');
    const example = doc.slice(start, doc.indexOf('\n## ', start + 1));
    const lines = [...example.matchAll(/^([0-9a-f]{8})  ((?:[0-9a-f]{2} ?)+)/gm)];
    expect(lines.length).toBe(12);
    expect(example).toContain(`${log.length} bytes`);
    for (const [, offsetHex, bytes] of lines) {
      const at = parseInt(offsetHex, 16);
      const expected = Buffer.from(bytes.trim().split(' ').join(''), 'hex');
      expect({ at, bytes: log.subarray(at, at + expected.length).toString('hex') }).toEqual({ at, bytes: expected.toString('hex') });
    }
    expect(parseHrl(log).header.consistency).toBe('application');
  });
});
