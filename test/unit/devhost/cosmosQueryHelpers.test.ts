import { stripUndefinedLinear } from '../../../devhost/emulators/cosmosQueryHelpers';

/* eslint-disable @typescript-eslint/no-require-imports */
const original = (require('@zeit/cosmosdb-query/lib/helpers') as { stripUndefined: (v: unknown) => unknown }).stripUndefined;

describe('the local Cosmos DB server answers queries with the same documents', () => {
  it('drops undefined elements and keys exactly as the query engine did', () => {
    const doc = { id: 'a', n: 1, gone: undefined, nested: { keep: [1, undefined, { x: undefined, y: null }], s: 'x' }, list: [undefined, 'b'], z: null };
    const answers = [doc, undefined, 'plain', 3, null, [doc, undefined]];
    expect(stripUndefinedLinear(answers)).toEqual(original(answers));
    expect(stripUndefinedLinear(answers)).toEqual([
      { id: 'a', n: 1, nested: { keep: [1, { y: null }], s: 'x' }, list: ['b'], z: null }, 'plain', 3, null,
      [{ id: 'a', n: 1, nested: { keep: [1, { y: null }], s: 'x' }, list: ['b'], z: null }]]);
  });
});
