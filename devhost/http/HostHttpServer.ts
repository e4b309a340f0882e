import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { RawHttpHandler } from '../core/HostContext';
import { HostLogger } from '../core/HostLogger';

/**
 * The host's one HTTP listener. Requests go, in order: to a mounted extension prefix
 * (e.g. `/runtime/webhooks/durabletask`), then to the function route table, else 404.
 */
export class HostHttpServer {
  private readonly mounts: Array<{ prefix: string; handler: RawHttpHandler }> = [];
  private fallback?: RawHttpHandler;
  private server?: Server;
  private port = 0;

  constructor(private readonly logger: HostLogger) {}

  mount(prefix: string, handler: RawHttpHandler): void {
    const p = '/' + prefix.replace(/^\/+|\/+$/g, '');
    this.mounts.push({ prefix: p.toLowerCase(), handler });
    this.mounts.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** The function route table; called when no mount claims the path. */
  setFallback(handler: RawHttpHandler): void {
    this.fallback = handler;
  }

  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    this.server = createServer((req, res) => void this.dispatch(req, res));
    this.server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  baseUrl(): string {
    return `http://localhost:${this.port}`;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? `localhost:${this.port}`}`);
    const path = url.pathname.toLowerCase();
    try {
      const mount = this.mounts.find((m) => path === m.prefix || path.startsWith(m.prefix + '/'));
      const handler = mount?.handler ?? this.fallback;
      if (handler) await handler(req, res, url);
      else sendJson(res, 404, { error: { code: 'NotFound', message: `No function serves ${url.pathname}.` } });
    } catch (e) {
      if (e instanceof RequestBodyTooLargeError) {
        sendRequestTooLarge(req, res, e);
        return;
      }
      this.logger.log('error', `HTTP ${req.method} ${url.pathname} failed in the host: ${(e as Error).stack ?? e}`);
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'HostError', message: (e as Error).message } });
      else res.end();
    }
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The Functions front end's request limit (100 MB, Azure's `maxRequestBodySize` default). */
export const MAX_HOST_REQUEST_BODY_BYTES = 100 * 1024 * 1024;

/** A request body over the host's limit; answered 413, never a 500. */
export class RequestBodyTooLargeError extends Error {
  constructor(readonly limit: number, found: string) {
    super(`The request body is ${found} bytes; this host accepts at most ${limit} bytes (${limit / 1048576} MiB, ` +
      'the Azure Functions front end limit). Send less per request.');
  }
}

/**
 * Answers 413 with an ARM-style body and closes the connection, so the rest of an oversized
 * upload is not read (the client sees the answer, then the socket closing).
 */
export function sendRequestTooLarge(req: IncomingMessage, res: ServerResponse, err: RequestBodyTooLargeError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // `Connection: close`: Node ends the socket once the answer is flushed, so the rest is never read.
  sendJson(res, 413, { error: { code: 'RequestBodyTooLarge', message: err.message } }, { connection: 'close' });
  req.resume();
}

/**
 * Reads a whole request body, bounded like the Functions host: refused by `Content-Length`
 * before reading, and as soon as a chunked body passes the limit, so it never sits in memory whole.
 */
export async function readBody(req: IncomingMessage, limit = MAX_HOST_REQUEST_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new RequestBodyTooLargeError(limit, String(declared));
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new RequestBodyTooLargeError(limit, `more than ${limit}`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
