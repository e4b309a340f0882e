import { projectionOf } from '../../../shared/metadata/projectionOf';

describe('projectionOf', () => {
  it('nests dotted paths as object literals under their top-level field', () => {
    expect(projectionOf(['id', 'properties.a', 'properties.b.c', 'properties.b.d'])).toBe('c.id, {"a": c.properties.a, "b": {"c": c.properties.b.c, "d": c.properties.b.d}} AS properties');
  });

  it('a parent field answers its subtree whole, whichever comes first', () => {
    expect(projectionOf(['properties.b', 'properties.b.c'])).toBe('{"b": c.properties.b} AS properties');
    expect(projectionOf(['properties.b.c', 'properties.b'])).toBe('{"b": c.properties.b} AS properties');
  });

  it('refuses anything that is not a field path (the text goes into the query)', () => {
    for (const bad of ['', 'a..b', 'a.b;', 'c.id) OR (1=1', 'a-b', '1a']) expect(() => projectionOf([bad])).toThrow(/not a field path/);
  });
});
