import { deliveredLogOf } from '../../../shared/replication';

const bytes = Buffer.from('log');
/** Trigger metadata as the Node worker hands it over: names camel-cased, JSON values parsed. */
const triggerMetadata = (extra: Record<string, unknown> = {}) => ({
  blobTrigger: 'hrl/v/item/os/00000000000000000007.hrl',
  properties: { eTag: '"0x8DD1"', lastModified: '2026-12-06T23:00:00.000Z', contentLength: 3 },
  metadata: { protectionid: 'p-1' },
  ...extra,
});

describe('deliveredLogOf (the blob trigger\'s input as the merge takes it)', () => {
  it('keeps the name, ETag, bytes, the blob\'s metadata and its last change', () => {
    expect(deliveredLogOf(bytes, triggerMetadata())).toEqual({
      blobName: 'v/item/os/00000000000000000007.hrl', etag: '"0x8DD1"', bytes,
      metadata: { protectionid: 'p-1' }, lastModified: new Date('2026-12-06T23:00:00.000Z'),
    });
  });

  it('leaves out metadata that is not all strings and a last change that is not a date (the merge then lists the disk\'s logs)', () => {
    const d = deliveredLogOf(bytes, triggerMetadata({ metadata: { protectionid: 7 }, properties: { eTag: '"0x8DD1"', lastModified: 'yesterday' } }));
    expect(d).toEqual({ blobName: 'v/item/os/00000000000000000007.hrl', etag: '"0x8DD1"', bytes });
  });

  it('is undefined without bytes, an ETag or a path in hrl', () => {
    expect(deliveredLogOf('text', triggerMetadata())).toBeUndefined();
    expect(deliveredLogOf(bytes, triggerMetadata({ properties: {} }))).toBeUndefined();
    expect(deliveredLogOf(bytes, triggerMetadata({ blobTrigger: 'other/v/item/os/1.hrl' }))).toBeUndefined();
  });
});
