import { BindingData, BindingExpressionError } from '../../../devhost/bindings/BindingExpressions';

const settings = { CONTAINER: 'backups' } as NodeJS.ProcessEnv;
const where = 'Function "f" output binding "out"';

describe('funclocal binding expressions ({…} in binding paths)', () => {
  it('resolves trigger metadata case-insensitively: {queueTrigger} and a blob trigger {name}', () => {
    const data = BindingData.fromInvocation('f', { QueueTrigger: { string: 'job-1' }, name: { string: 'vm.vhd' } }, { string: 'job-1' });
    expect(data.resolve('out/{queueTrigger}/{NAME}', settings, where)).toBe('out/job-1/vm.vhd');
  });

  it('resolves %Setting% and properties of a JSON trigger payload, dotted into objects', () => {
    const payload = { string: JSON.stringify({ vm: 'db01', disk: { lun: 2 } }) };
    const data = BindingData.fromInvocation('f', {}, payload);
    expect(data.resolve('%CONTAINER%/{vm}-{disk.lun}.txt', settings, where)).toBe('backups/db01-2.txt');
  });

  it('resolves HTTP route parameters (metadata), query parameters and JSON body properties', () => {
    const http = { query: { day: 'mon' }, body: { bytes: Buffer.from('{"site":"west"}') } };
    const data = BindingData.fromInvocation('f', { id: { string: '42' } }, { http });
    expect(data.resolve('{site}/{day}/{id}', settings, where)).toBe('west/mon/42');
  });

  it('offers {rand-guid}, {DateTime} (blob-name safe), {sys.utcnow} and {sys.methodname}', () => {
    const data = BindingData.fromInvocation('archive', {}, undefined);
    expect(data.resolve('{rand-guid}', settings, where)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(data.resolve('{rand-guid}', settings, where)).not.toBe(data.resolve('{rand-guid}', settings, where));
    expect(data.resolve('{DateTime}', settings, where)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z$/);
    expect(data.resolve('{sys.utcnow}', settings, where)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(data.resolve('{sys.methodname}', settings, where)).toBe('archive');
  });

  it('fails the invocation with a message naming an expression that has no value', () => {
    const data = BindingData.fromInvocation('f', {}, { string: 'plain text' });
    expect(() => data.resolve('out/{missing}', settings, where)).toThrow(BindingExpressionError);
    expect(() => data.resolve('out/{missing}', settings, where)).toThrow(/output binding "out": no value for \{missing\}/);
  });
});

describe('funclocal binding expressions: a JSON queue message', () => {
  it('gives {queueTrigger} as the text sent and its properties by name', () => {
    const text = '{"vm":"db01"}';
    const data = BindingData.fromInvocation('f', { QueueTrigger: { string: text } }, { string: text });
    expect(data.resolve('{vm}', settings, where)).toBe('db01');
    expect(data.resolve('{queueTrigger}', settings, where)).toBe(text);
  });
});

describe('funclocal binding expressions: {DateTime:format}', () => {
  it('formats UTC now with .NET custom specifiers, as apps write them in blob paths', () => {
    jest.useFakeTimers({ now: Date.UTC(2026, 2, 5, 7, 4, 9, 123) });
    try {
      const data = BindingData.fromInvocation('f', {}, undefined);
      expect(data.resolve('subfolder/{DateTime:MM-dd-yyyy H:mm:ss}.json', settings, where)).toBe('subfolder/03-05-2026 7:04:09.json');
      expect(data.resolve("{DateTime:yyyy/MM/dd}/{datetime:HH'h'mm.fff}", settings, where)).toBe('2026/03/05/07h04.123');
      expect(data.resolve('{DateTime}', settings, where)).toBe('2026-03-05T07-04-09Z');
    } finally {
      jest.useRealTimers();
    }
  });
});
