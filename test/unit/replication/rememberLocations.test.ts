import { rememberLocations, type ReplicaLocation } from '../../../shared/replication';

const disk = { vault: 'v', item: 'VM1', disk: 'os' };
const where = { vaultKey: 'sub/rg/v', item: { armId: '/x/vm1' } } as unknown as ReplicaLocation;

describe('recovery point records reuse the location the merge just found (issue 17)', () => {
  it('answers from the fresh read for ttl, then reads again; fresh always reads', async () => {
    let t = 0;
    let reads = 0;
    let found: ReplicaLocation | undefined = where;
    const { fresh, recent } = rememberLocations(async () => { reads++; return found; }, 10_000, () => t);
    expect(await recent(disk)).toBe(where); // nothing known yet: reads
    expect(reads).toBe(1);
    t = 9_999;
    expect(await recent({ ...disk, item: 'vm1', disk: 'data' })).toBe(where); // same item, any disk, any case
    expect(reads).toBe(1);
    await fresh(disk);
    expect(reads).toBe(2);
    t = 9_999 + 10_000;
    expect(await recent(disk)).toBe(where);
    expect(reads).toBe(3);
    found = undefined; // the item is gone: forgotten at once
    expect(await fresh(disk)).toBeUndefined();
    expect(await recent(disk)).toBeUndefined();
    expect(reads).toBe(5);
  });
});
