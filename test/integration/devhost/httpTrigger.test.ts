import { request } from 'node:http';
import { resolve } from 'node:path';
import { startAzurite, TestAzurite } from '../../support/azurite';
import { RunningFunclocal, startFunclocal } from '../../support/funclocal';

const APP = resolve(__dirname, '../../fixtures/apps/http-app');

/**
 * POSTs `total` bytes as a chunked stream of one reused 1 MiB buffer (nothing is held whole),
 * honouring backpressure, and stops writing once the answer arrives. Resolves with the answer
 * and how much was written by then.
 */
/**
 * A refused upload races the host's close: a reset can reach the client before it has read the
 * 413 (the kernel drops unread bytes on a reset). That is the transport, not the host's answer:
 * try once more.
 */
async function postStreamed(url: string, total: number, headers: Record<string, string> = {}): Promise<{ status: number; body: string; written: number }> {
  try {
    return await postStreamedOnce(url, total, headers);
  } catch (err) {
    if (!['ECONNRESET', 'EPIPE'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
    return postStreamedOnce(url, total, headers);
  }
}

function postStreamedOnce(url: string, total: number, headers: Record<string, string>): Promise<{ status: number; body: string; written: number }> {
  const chunk = Buffer.alloc(1024 * 1024, 0x61);
  return new Promise((resolvePost, reject) => {
    let written = 0;
    let answered = false;
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      answered = true;
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; });
      res.on('end', () => resolvePost({ status: res.statusCode ?? 0, body, written }));
      res.on('error', reject);
    });
    // Once answered, the host closes the connection: a write error after that is expected.
    req.on('error', (err) => { if (!answered) reject(err); });
    const pump = () => {
      while (!answered && written < total) {
        written += chunk.length;
        if (!req.write(chunk)) { req.once('drain', pump); return; }
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe('funclocal HTTP trigger (fixture app over real HTTP)', () => {
  let azurite: TestAzurite;
  let host: RunningFunclocal;
  beforeAll(async () => {
    azurite = await startAzurite();
    host = await startFunclocal({ app: APP, storage: azurite.connectionString });
  });
  afterAll(async () => {
    await host?.stop();
    await azurite?.stop();
  });

  it('routes parameters, query and headers under the routePrefix', async () => {
    const res = await fetch(`${host.baseUrl}/api/items/42?q=hello`, { headers: { 'x-test': 'yes' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: 42, q: 'hello', hdr: 'yes' });
  });

  it('returns the status code, headers and body the handler chose', async () => {
    const created = await fetch(`${host.baseUrl}/api/items`, { method: 'POST', body: JSON.stringify({ name: 'db01' }) });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/api/items/7');
    expect(await created.json()).toEqual({ id: 7, name: 'db01' });
    const bad = await fetch(`${host.baseUrl}/api/items`, { method: 'POST', body: '{}' });
    expect(bad.status).toBe(400);
  });

  it('honours route constraints, catch-all segments and methods', async () => {
    expect((await fetch(`${host.baseUrl}/api/items/abc`)).status).toBe(404);
    expect(await (await fetch(`${host.baseUrl}/api/files/a/b/c.vhd`)).text()).toBe('path=a/b/c.vhd');
    expect((await fetch(`${host.baseUrl}/api/items/1`, { method: 'DELETE' })).status).toBe(405);
    expect((await fetch(`${host.baseUrl}/nothing/here`)).status).toBe(404);
  });

  it('answers 500 when the handler throws, and logs the function and invocation', async () => {
    const res = await fetch(`${host.baseUrl}/api/boom`);
    expect(res.status).toBe(500);
    expect(host.logs()).toMatch(/\[boom [0-9a-f]{8}\] Failed after \d+ ms: kaboom/);
  });

  it('answers 413 with an ARM-style error naming the 100 MB limit to a streamed body past it, without reading it all', async () => {
    const res = await postStreamed(`${host.baseUrl}/api/items`, 120 * 1024 * 1024);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual({ error: { code: 'RequestBodyTooLarge', message: expect.stringContaining('at most 104857600 bytes (100 MiB') } });
    // Refused by the declared length before any of it is read.
    const declared = await postStreamed(`${host.baseUrl}/api/items`, 2 * 1024 * 1024, { 'content-length': String(150 * 1024 * 1024) });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body).error.message).toMatch(/^The request body is 157286400 bytes; this host accepts at most 104857600 bytes/);
    // The host is still fine.
    expect((await fetch(`${host.baseUrl}/api/items/1`)).status).toBe(200);
  });

  it('routes a path with 15,000 slashes in well under a second (route matching is linear)', async () => {
    const started = Date.now();
    const res = await fetch(`${host.baseUrl}/api/${'/'.repeat(15_000)}files/x`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('path=x');
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('applies local.settings.json Values to the app', async () => {
    expect(await (await fetch(`${host.baseUrl}/api/setting`)).json()).toEqual({ value: 'from-local-settings' });
  });
});
