import { BlobEventLog } from '../../../devhost/emulators/azuriteBlobEvents';

const created = (container: string, name: string, account = 'devstoreaccount1') =>
  ({ account, container, name, eTag: `"${name}"`, contentLength: 1, blobType: 'BlockBlob', api: 'PutBlob' });

describe('BlobEventLog (the emulators\' BlobCreated feed)', () => {
  it('answers only the events after the cursor, of the account and containers asked, and where to read next', () => {
    const log = new BlobEventLog();
    log.record(created('hrl', 'a'));
    log.record(created('vhds', 'b'));
    log.record(created('hrl', 'c', 'other'));
    log.record(created('hrl', 'd'));
    const all = log.read('devstoreaccount1', 0, new Set(['hrl']), 100);
    expect(all.events.map((e) => e.name)).toEqual(['a', 'd']);
    expect(all.next).toBe(4);
    expect(log.read('devstoreaccount1', 1, new Set(['hrl']), 100).events.map((e) => e.name)).toEqual(['d']);
    expect(log.read('devstoreaccount1', 4, undefined, 100)).toMatchObject({ events: [], next: 4, first: 1, epoch: all.epoch });
  });

  it('stops a page at `max` events and says the seq to go on after', () => {
    const log = new BlobEventLog();
    for (const n of ['a', 'b', 'c']) log.record(created('hrl', n));
    const page = log.read('devstoreaccount1', 0, undefined, 2);
    expect(page.events.map((e) => e.name)).toEqual(['a', 'b']);
    expect(log.read('devstoreaccount1', page.next, undefined, 2).events.map((e) => e.name)).toEqual(['c']);
    // The head only: after any seq.
    expect(log.read('devstoreaccount1', Number.MAX_SAFE_INTEGER, undefined, 0).next).toBe(3);
  });
});
