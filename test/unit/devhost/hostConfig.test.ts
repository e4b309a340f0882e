import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadHostConfig } from '../../../devhost/core/HostConfig';

describe('host.json %Setting% resolution (issue 18)', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'hostcfg-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const write = (doc: unknown) => writeFileSync(join(dir, 'host.json'), JSON.stringify(doc));

  it('resolves settings in every string value, nested and in arrays, leaving other values alone', () => {
    write({ version: '2.0', functionTimeout: '%TIMEOUT%', extensions: {
      http: { routePrefix: '%PREFIX%' }, durableTask: { hubName: 'Hub%SUFFIX%', maxConcurrentActivityFunctions: 4 },
      custom: { list: ['%PREFIX%-a', 7, 'plain 50% text'] },
    } });
    const c = loadHostConfig(dir, { TIMEOUT: '00:05:00', PREFIX: 'v1', SUFFIX: 'Blue' });
    expect(c.routePrefix).toBe('v1');
    expect(c.functionTimeoutMs).toBe(300000);
    expect(c.durableTask).toMatchObject({ hubName: 'HubBlue', maxConcurrentActivityFunctions: 4 });
    expect((c.raw.extensions as { custom: unknown }).custom).toEqual({ list: ['v1-a', 7, 'plain 50% text'] });
  });

  it('names an undefined setting and the path of the value that uses it', () => {
    write({ version: '2.0', extensions: { custom: { list: ['ok', '%NOPE%'] } } });
    expect(() => loadHostConfig(dir, {})).toThrow('host.json extensions.custom.list[1] uses %NOPE%, but no app setting "NOPE" is defined');
  });

  it.each([['AzureStorage'], ['azurestorage'], [undefined]])('accepts the Azure Storage provider (type %s)', (type) => {
    write({ version: '2.0', extensions: { durableTask: { storageProvider: { type } } } });
    expect(() => loadHostConfig(dir, {})).not.toThrow();
  });

  it.each([['mssql'], ['netherite'], ['azureManaged']])('refuses storage provider %s by name', (type) => {
    write({ version: '2.0', extensions: { durableTask: { storageProvider: { type } } } });
    expect(() => loadHostConfig(dir, {})).toThrow(`storageProvider.type is "${type}", which funclocal does not support`);
  });
});
