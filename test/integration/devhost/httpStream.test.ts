import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { RunningFunclocal, startFunclocal } from '../../support/funclocal';

const APP = resolve(__dirname, '../../fixtures/apps/http-stream-app');
// An HTTP-only app never touches storage, so a connection string to nothing will do.
const NO_STORAGE = 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;';

/** POSTs `chunks` x 1 MiB as a chunked body (no Content-Length), honouring backpressure. */
function postChunked(url: string, chunks: number): Promise<{ status: number; body: string; sha256: string }> {
  const hash = createHash('sha256');
  return new Promise((resolvePost, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/octet-stream' } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; });
      res.on('end', () => resolvePost({ status: res.statusCode ?? 0, body, sha256: hash.digest('hex') }));
    });
    req.setTimeout(20000, () => req.destroy(new Error('no answer in 20 s')));
    req.on('error', reject);
    let sent = 0;
    const pump = () => {
      while (sent < chunks) {
        const chunk = Buffer.alloc(1024 * 1024, sent % 251);
        hash.update(chunk);
        sent++;
        if (!req.write(chunk)) { req.once('drain', pump); return; }
      }
      req.end();
    };
    pump();
  });
}

describe('funclocal with app.setup({ enableHttpStream: true }) (issue 18)', () => {
  let host: RunningFunclocal;
  beforeAll(async () => {
    host = await startFunclocal({ app: APP, storage: NO_STORAGE });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('hands the handler request.body as a stream: an 8 MiB chunked upload arrives whole, with headers and query', async () => {
    const res = await postChunked(`${host.baseUrl}/api/upload?tag=t1`, 8);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ bytes: 8 * 1024 * 1024, sha256: res.sha256, contentType: 'application/octet-stream', tag: 't1' });
    expect(host.logs()).toMatch(/\[upload [0-9a-f]{8}\] received 8388608 bytes/);
  });

  it('streams a response body to the client as the handler produces it', async () => {
    const res = await fetch(`${host.baseUrl}/api/ticker/3`, { signal: AbortSignal.timeout(20000) });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ticker')).toBe('yes');
    expect(res.headers.get('content-type')).toBe('text/plain');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    // The handler holds every line after the first until /api/release: a buffering host
    // would deliver nothing here.
    const first = await reader.read();
    expect(decoder.decode(first.value)).toBe('line 0\n');
    expect((await fetch(`${host.baseUrl}/api/release`, { method: 'POST', signal: AbortSignal.timeout(20000) })).status).toBe(202);
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += decoder.decode(r.value, { stream: true });
    expect(`line 0\n${rest}`).toBe('line 0\nline 1\nline 2\n');
  });

  it('answers 204 when a streaming handler returns nothing, as for a buffered one', async () => {
    const res = await fetch(`${host.baseUrl}/api/nothing`, { signal: AbortSignal.timeout(20000) });
    expect(res.status).toBe(204);
  });

  it('answers 500 and logs the error when a streaming handler throws', async () => {
    const res = await fetch(`${host.baseUrl}/api/boom`, { signal: AbortSignal.timeout(20000) });
    expect(res.status).toBe(500);
    expect(host.logs()).toMatch(/\[boom [0-9a-f]{8}\] Failed after \d+ ms: boom in a streaming app/);
  });
});
