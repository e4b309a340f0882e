import { BlobPathPattern } from '../../../devhost/triggers/BlobPathPattern';

describe('blob trigger paths', () => {
  it('splits container, listing prefix and placeholders', () => {
    const p = BlobPathPattern.parse('hrl/{vault}/{item}/{disk}/{name}', 'f');
    expect([p.container, p.prefix, p.placeholders]).toEqual(['hrl', '', ['vault', 'item', 'disk', 'name']]);
    expect(p.match('v1/i1/d0/000001.hrl')).toEqual({ vault: 'v1', item: 'i1', disk: 'd0', name: '000001.hrl' });
    expect(p.match('too/short')).toBeUndefined();
  });

  it('lets placeholders span "/" greedily, as Azure binding templates do', () => {
    expect(BlobPathPattern.parse('samples/{name}', 'f').match('a/b/c.txt')).toEqual({ name: 'a/b/c.txt' });
    expect(BlobPathPattern.parse('hrl/{vault}/{name}', 'f').match('a/b/c')).toEqual({ vault: 'a/b', name: 'c' });
  });

  it('keeps literal text around placeholders, regex characters included', () => {
    const p = BlobPathPattern.parse('input/logs/{date}.{ext}', 'f');
    expect(p.prefix).toBe('logs/');
    expect(p.match('logs/2026-03-01.json')).toEqual({ date: '2026-03-01', ext: 'json' });
    expect(BlobPathPattern.parse('input/a+b/{name}', 'f').match('aab/x')).toBeUndefined();
  });

  it('refuses a container with a placeholder or an invalid name, naming the function', () => {
    expect(() => BlobPathPattern.parse('{container}/{name}', 'Function "f"')).toThrow(/^Function "f": blob trigger path "\{container\}\/\{name\}" must start with a fixed container name/);
    expect(() => BlobPathPattern.parse('Samples/{name}', 'Function "f"')).toThrow(/fixed container name/);
    expect(() => BlobPathPattern.parse('samples/{a}/{a}', 'Function "f"')).toThrow(/uses \{a\} twice/);
  });
});
