import { dirname } from 'node:path';
import { AZURITE_SERVICES, azuriteGeneratedUtils, installAzuriteTemplateCache } from '../../../devhost/emulators/azuriteTemplateCache';

/* eslint-disable @typescript-eslint/no-require-imports */
const azuriteDir = dirname(require.resolve('azurite/package.json'));
const templatesOf = (service: string): string[] => {
  const specs = (require(`${azuriteDir}/dist/src/${service}/generated/artifacts/specifications`) as { default: Record<string, { path?: string }> }).default;
  return [...new Set(Object.values(specs).map((s) => (s.path ? (s.path.startsWith('/') ? s.path : `/${s.path}`) : '/')))];
};
// Paths of every shape the services see: account, container/queue/table, blob, nested blob, $-names, empty segments, entities.
const PATHS = [
  '/', '/devstoreaccount1', '/devstoreaccount1/', '/devstoreaccount1/hrl', '/devstoreaccount1/hrl/', '/devstoreaccount1/hrl/v/item/os/00000001.hrl',
  '/devstoreaccount1/$logs', '/devstoreaccount1/$root/b', '/devstoreaccount1/q/messages', '/devstoreaccount1/q/messages/abc',
  "/devstoreaccount1/Tables('t1')", "/devstoreaccount1/t1(PartitionKey='a',RowKey='b')", '/devstoreaccount1/Tables', '/devstoreaccount1//b',
  // What the blob service's context middleware hands its dispatch instead of the names.
  '/container/blob', '/container',
];

describe('Azurite dispatch with compiled URI templates', () => {
  it('matches every operation template of every service exactly as Azurite did', () => {
    const originals = AZURITE_SERVICES.map((s) => azuriteGeneratedUtils(s).isURITemplateMatch);
    installAzuriteTemplateCache();
    AZURITE_SERVICES.forEach((service, i) => {
      const patched = azuriteGeneratedUtils(service).isURITemplateMatch;
      expect(patched).not.toBe(originals[i]);
      const templates = templatesOf(service);
      expect(templates.length).toBeGreaterThan(1);
      let matched = 0;
      for (const template of templates) {
        for (const path of PATHS) {
          const expected = originals[i](path, template);
          expect([service, template, path, patched(path, template)]).toEqual([service, template, path, expected]);
          // Twice: the second answer comes from the compiled template.
          expect(patched(path, template)).toBe(expected);
          if (expected) matched++;
        }
      }
      expect(matched).toBeGreaterThan(0);
    });
    // Installing twice keeps the first cache.
    const installed = azuriteGeneratedUtils('blob').isURITemplateMatch;
    installAzuriteTemplateCache();
    expect(azuriteGeneratedUtils('blob').isURITemplateMatch).toBe(installed);
  });

  it('keeps answering right past the answers it keeps (paths that carry names: table entities)', () => {
    installAzuriteTemplateCache();
    // Azurite's own helper, from a copy of its module the cache was not installed in.
    let original!: (url: string, template: string) => boolean;
    jest.isolateModules(() => {
      original = (require(`${azuriteDir}/dist/src/table/generated/utils/utils`) as { isURITemplateMatch: typeof original }).isURITemplateMatch;
    });
    expect(original).not.toBe(azuriteGeneratedUtils('table').isURITemplateMatch);
    const patched = azuriteGeneratedUtils('table').isURITemplateMatch;
    const template = templatesOf('table').find((t) => t.includes('PartitionKey'))!;
    for (let i = 0; i < 5000; i++) {
      const path = i % 2 ? `/t${i}(PartitionKey='p${i}',RowKey='r')` : `/t${i}`;
      expect(patched(path, template)).toBe(original(path, template));
    }
  });
});
