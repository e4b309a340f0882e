import { randomBytes } from 'node:crypto';
import {
  decodeFailbackDigests, encodeFailbackDigests, failbackDigestsBlob, failbackLogBlob, failbackRequestBlob,
} from '../../../shared/contracts/FailbackTransfers';
import { FailbackDigester } from '../../../shared/integrity';

describe('failback contract: blob layout and digest manifests', () => {
  it('lays out an item round under {vault}/{item}/{jobId}/{round}/ and refuses a segment that could escape', () => {
    const item = { vault: 'sub~rg~v', item: 'vm1' };
    expect(failbackRequestBlob(item)).toBe('sub~rg~v/vm1/request.json');
    expect(failbackDigestsBlob(item, 'job-1', 2, 'disk0')).toBe('sub~rg~v/vm1/job-1/2/disk0.digests');
    expect(failbackLogBlob(item, 'job-1', 2, 'disk0')).toBe('sub~rg~v/vm1/job-1/2/disk0.hrl');
    expect(() => failbackLogBlob(item, '../x', 1, 'disk0')).toThrow(expect.objectContaining({ code: 'InvalidPathSegment' }));
  });

  it('round-trips a manifest and refuses a damaged or short one', () => {
    const digests = randomBytes(3 * 32);
    const buf = encodeFailbackDigests({ virtualSize: 3 * 4096 - 512, absent: false, digests });
    expect(decodeFailbackDigests(buf, 'm')).toEqual({ virtualSize: 3 * 4096 - 512, absent: false, digests });
    expect(decodeFailbackDigests(encodeFailbackDigests({ virtualSize: 8192, absent: true, digests: Buffer.alloc(0) }), 'm')).toMatchObject({ absent: true });
    expect(() => decodeFailbackDigests(buf.subarray(0, buf.length - 1), 'm')).toThrow(expect.objectContaining({ code: 'FailbackDigestsInvalid' }));
    const bad = Buffer.from(buf);
    bad[0] ^= 1;
    expect(() => decodeFailbackDigests(bad, 'm')).toThrow(/bad magic/);
  });

  it('keyed digests depend on the key and the block position; plain ones are SHA-256 of the block', () => {
    const block = randomBytes(4096);
    const k1 = new FailbackDigester(randomBytes(64));
    const k2 = new FailbackDigester(randomBytes(64));
    const plain = new FailbackDigester();
    expect(k1.digest(0, block).equals(k1.digest(1, block))).toBe(false);
    expect(k1.digest(0, block).equals(k2.digest(0, block))).toBe(false);
    expect(plain.digest(0, block).equals(plain.digest(7, block))).toBe(true);
    expect(k1.zero(3).equals(k1.digest(3, Buffer.alloc(4096)))).toBe(true);
  });
});
