import { IncomingMessage, ServerResponse } from 'node:http';
import { FunctionRegistration } from '../core/FunctionRegistration';
import { HostContext, TriggerKind } from '../core/HostContext';
import { invocationTraceContext } from '../core/TraceContext';
import { RpcHttp, TypedData } from '../core/TypedData';
import { readBody, RequestBodyTooLargeError, sendJson, sendRequestTooLarge } from './HostHttpServer';
import { forwardHttpStream } from './HttpStreamForwarder';
import { RouteTemplate } from './RouteTemplate';

interface Route {
  fn: FunctionRegistration;
  template: RouteTemplate;
  methods: Set<string> | undefined;
  /** Set when the function is in error: the route answers this instead of running it. */
  error?: string;
}

/**
 * HTTP triggers: ASP.NET route templates under host.json's routePrefix, methods, query, headers,
 * body and status codes, converted to and from the worker's RpcHttp shape.
 * Function keys (authLevel) are not enforced, as with Core Tools locally: the app's own auth
 * must not depend on the host for that.
 */
export class HttpTriggerKind implements TriggerKind {
  readonly name = 'http';
  readonly triggerTypes = ['httptrigger'] as const;
  readonly bindingTypes = ['http'] as const;
  private routes: Route[] = [];
  private host?: HostContext;
  private inflight = 0;
  private stopping = false;

  private inError: Array<{ fn: FunctionRegistration; message: string }> = [];

  /** An HTTP function the host cannot run: its route answers 500 with `message` (before start). */
  addFunctionInError(fn: FunctionRegistration, message: string): void {
    this.inError.push({ fn, message });
  }

  async start(functions: FunctionRegistration[], host: HostContext): Promise<void> {
    this.host = host;
    const routeOf = (fn: FunctionRegistration, error?: string): Route => {
      const b = fn.trigger.binding;
      const route = typeof b.route === 'string' && b.route !== '' ? b.route : fn.name;
      const prefix = host.config.routePrefix;
      const template = new RouteTemplate(prefix ? `${prefix}/${route.replace(/^\/+/, '')}` : route);
      const methods = Array.isArray(b.methods) && b.methods.length > 0
        ? new Set((b.methods as string[]).map((m) => m.toUpperCase())) : undefined;
      return { fn, template, methods, error };
    };
    for (const fn of functions) this.routes.push(routeOf(fn));
    for (const { fn, message } of this.inError) this.routes.push(routeOf(fn, message));
    this.routes.sort((a, b) => b.template.precedence - a.template.precedence);
    for (const r of this.routes) {
      host.logger.log(r.error ? 'warning' : 'information', `HTTP ${r.methods ? [...r.methods].join(',') : 'ANY'} /${r.template.template}${r.error ? ' (function in error)' : ''}`, { functionName: r.fn.name });
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const deadline = Date.now() + 10000;
    while (this.inflight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  /** Serves a request that no extension mount claimed. */
  handle = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    let params: Record<string, string> | undefined;
    let pathMatched = false;
    const route = this.routes.find((r) => {
      const m = r.template.match(url.pathname);
      if (!m) return false;
      pathMatched = true;
      if (r.methods && !r.methods.has(method)) return false;
      params = m;
      return true;
    });
    if (!route || !params || !this.host) {
      const status = pathMatched ? 405 : 404;
      sendJson(res, status, { error: { code: status === 405 ? 'MethodNotAllowed' : 'NotFound', message: pathMatched ? `${method} is not allowed on ${url.pathname}.` : `No function serves ${url.pathname}.` } });
      return;
    }
    if (route.error) {
      // The host's own failure to load this function, not the client's: 500 with the reason.
      sendJson(res, 500, { error: { code: 'FunctionInError', message: route.error } });
      return;
    }
    if (this.stopping) {
      sendJson(res, 503, { error: { code: 'HostStopping', message: 'The host is shutting down.' } });
      return;
    }
    this.inflight++;
    try {
      if (this.host.httpStreamUri) {
        await forwardHttpStream(this.host.httpStreamUri, this.host.invoker, route.fn, req, res, url, params);
        return;
      }
      let body: Buffer;
      try {
        body = await readBody(req);
      } catch (err) {
        // A client mistake, answered by the host before the function runs (Azure answers 413 too).
        if (err instanceof RequestBodyTooLargeError) {
          sendRequestTooLarge(req, res, err);
          return;
        }
        throw err;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const query: Record<string, string> = {};
      url.searchParams.forEach((v, k) => { query[k] = v; });
      const http: RpcHttp = { method, url: url.toString(), headers, query, params, body: { bytes: body } };
      const triggerMetadata: Record<string, TypedData> = {};
      for (const [k, v] of Object.entries(params)) triggerMetadata[k] = { string: v };
      const response = await this.host.invoker.invoke(route.fn, {
        inputData: [{ name: route.fn.trigger.name, data: { http } }],
        triggerMetadata,
        traceContext: invocationTraceContext({ traceparent: headers.traceparent, tracestate: headers.tracestate }),
      });
      writeHttpResponse(res, pickHttpOutput(route.fn, response.returnValue, response.outputData));
    } catch {
      // The invoker already logged the failure with the function's name; Azure answers 500 with no body.
      if (!res.headersSent) res.writeHead(500, { 'content-length': 0 });
      res.end();
    } finally {
      this.inflight--;
    }
  };
}

/** Finds the HTTP output: `$return` when the function declares it, else its named http output. */
function pickHttpOutput(fn: FunctionRegistration, returnValue: TypedData | undefined, outputs: Array<{ name: string; data: TypedData }>): RpcHttp | undefined {
  if (returnValue?.http) return returnValue.http;
  const httpOut = Object.entries(fn.bindings).find(([, b]) => b.type.toLowerCase() === 'http' && b.direction === 'out');
  const named = httpOut ? outputs.find((o) => o.name === httpOut[0]) : undefined;
  return named?.data.http;
}

function writeHttpResponse(res: ServerResponse, http: RpcHttp | undefined): void {
  if (!http) {
    // A handler that returned nothing: Azure answers 204.
    res.writeHead(204);
    res.end();
    return;
  }
  const status = Number(http.statusCode ?? 200);
  const body = http.body?.bytes ? Buffer.from(http.body.bytes) : http.body?.string !== undefined ? Buffer.from(http.body.string) : Buffer.alloc(0);
  const headers: Record<string, string | string[]> = { ...(http.headers ?? {}) };
  const cookies = (http.cookies ?? []) as Array<{ name: string; value: string; path?: string; maxAge?: number; httpOnly?: boolean; secure?: boolean }>;
  if (cookies.length) {
    headers['set-cookie'] = cookies.map((c) => [`${c.name}=${c.value}`, c.path && `Path=${c.path}`, c.maxAge !== undefined && `Max-Age=${c.maxAge}`, c.httpOnly && 'HttpOnly', c.secure && 'Secure'].filter(Boolean).join('; '));
  }
  if (status !== 204 && status !== 304) headers['content-length'] = String(body.length);
  res.writeHead(status, headers);
  res.end(status === 204 || status === 304 ? undefined : body);
}

