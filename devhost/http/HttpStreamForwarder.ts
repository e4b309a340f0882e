import { randomUUID } from 'node:crypto';
import { IncomingHttpHeaders, IncomingMessage, request as httpRequest, ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FunctionInvoker } from '../core/FunctionInvoker';
import { FunctionRegistration } from '../core/FunctionRegistration';
import { TypedData } from '../core/TypedData';
import { MAX_HOST_REQUEST_BODY_BYTES, RequestBodyTooLargeError, sendRequestTooLarge } from './HostHttpServer';

/** Hop-by-hop headers a proxy does not pass on (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
const INVOCATION_ID_HEADER = 'x-ms-invocation-id';
/**
 * A handler that returns nothing never answers on the proxy (the library only writes a
 * response it has): once the invocation is over, wait this long for one, then answer 204.
 */
const NO_RESPONSE_GRACE_MS = 1000;

/**
 * HTTP streams (`app.setup({ enableHttpStream: true })`), as the Functions host does them: the
 * library serves an HTTP proxy (its `HttpUri` capability); the host forwards the client's
 * request there, body unread, tagged with `x-ms-invocation-id` and `x-forwarded-host/-proto`,
 * while it invokes the function with the route parameters and headers as trigger metadata.
 * The library hands the handler `request.body` as a stream and writes the handler's response
 * (a stream or not) back on the proxy connection, which the host pipes to the client as it
 * comes: neither body is ever held whole in memory.
 */
export async function forwardHttpStream(
  proxyUri: string, invoker: FunctionInvoker, fn: FunctionRegistration,
  req: IncomingMessage, res: ServerResponse, url: URL, params: Record<string, string>,
): Promise<void> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_HOST_REQUEST_BODY_BYTES) {
    sendRequestTooLarge(req, res, new RequestBodyTooLargeError(MAX_HOST_REQUEST_BODY_BYTES, String(declared)));
    return;
  }
  const invocationId = randomUUID();
  const headers = flatHeaders(req.headers);
  const query: Record<string, string> = {};
  url.searchParams.forEach((v, k) => { query[k] = v; });
  const triggerMetadata: Record<string, TypedData> = { Headers: { json: JSON.stringify(headers) }, Query: { json: JSON.stringify(query) } };
  for (const [k, v] of Object.entries(params)) triggerMetadata[k] = { string: v };

  const proxyReq = httpRequest(new URL(`${url.pathname}${url.search}`, proxyUri), {
    method: req.method,
    headers: {
      ...forwardable(req.headers),
      [INVOCATION_ID_HEADER]: invocationId,
      'x-forwarded-host': req.headers.host ?? url.host,
      'x-forwarded-proto': 'http',
    },
  });
  let answered = false;
  const answeredByProxy = new Promise<boolean>((resolve) => {
    proxyReq.once('response', (proxyRes) => {
      answered = true;
      res.writeHead(proxyRes.statusCode ?? 200, forwardable(proxyRes.headers, INVOCATION_ID_HEADER));
      void pipeline(proxyRes, res).catch(() => res.destroy());
      resolve(true);
    });
    proxyReq.once('error', () => resolve(false));
    proxyReq.once('close', () => resolve(answered));
  });
  // The request body streams to the function as it arrives, bounded like a buffered one.
  void pipeline(req, byteLimit(MAX_HOST_REQUEST_BODY_BYTES), proxyReq).catch((err: unknown) => {
    proxyReq.destroy();
    if (err instanceof RequestBodyTooLargeError) sendRequestTooLarge(req, res, err);
  });

  try {
    await invoker.invoke(fn, {
      inputData: [{ name: fn.trigger.name, data: { http: { method: req.method, url: url.toString(), headers, query, params } } }],
      triggerMetadata,
    }, invocationId);
  } catch {
    // The invoker logged the failure with the function's name; Azure answers 500 with no body.
    proxyReq.destroy();
    if (!res.headersSent) res.writeHead(500, { 'content-length': 0 });
    res.end();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const got = await Promise.race([
    answeredByProxy,
    new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), NO_RESPONSE_GRACE_MS); }),
  ]).finally(() => clearTimeout(timer));
  if (!got && !res.headersSent) {
    // The handler returned nothing: Azure answers 204, as for a buffered trigger.
    proxyReq.destroy();
    res.writeHead(204);
    res.end();
  }
}

function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function forwardable(headers: IncomingHttpHeaders, ...drop: string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || HOP_BY_HOP.has(k) || drop.includes(k)) continue;
    out[k] = v;
  }
  return out;
}

/** Passes bytes through until more than `limit` went by, then fails with the host's 413 error. */
function byteLimit(limit: number): Transform {
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > limit) done(new RequestBodyTooLargeError(limit, `more than ${limit}`));
      else done(null, chunk);
    },
  });
}
