/**
 * The Durable extension's built-in HTTP activity (`context.df.callHttp`): the orchestrator
 * yields a CallHttp action, the host records it as a TaskScheduled named
 * `BuiltIn::HttpActivity` and sends the request; the TaskCompleted result is the response as
 * `{ statusCode, headers, content }`. With `asynchronousPatternEnabled` (the default) a 202
 * with a `Location` header is polled: GET of that URL with the first request's headers but
 * no `x-functions-key` and no content, after `Retry-After` seconds (else
 * 30 s, the extension's default `defaultAsyncRequestSleepTimeMilliseconds`), until another status comes.
 * The extension records each poll as a timer and a new task; funclocal polls inside the one
 * task and keeps the pending Location in a checkpoint blob (see docs/funclocal.md, differences).
 */

/** Requests that hang are given up on after this long (the task fails). */
const REQUEST_TIMEOUT_MS = 240_000;

/** The library's DurableHttpRequest as it serializes it. */
interface WireDurableHttpRequest {
  method?: string;
  uri?: string;
  content?: string;
  headers?: Record<string, string | string[]>;
  tokenSource?: unknown;
  asynchronousPatternEnabled?: boolean;
}

export interface WireDurableHttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  content: string;
}

/**
 * Where polling stands, kept durably between polls: a host killed while polling resumes with
 * a GET of the last Location instead of sending the first request again (which would, e.g.,
 * start a second long-running job), as the extension resumes from the 202 its history holds.
 */
export interface HttpPollCheckpoint {
  load(): Promise<string | undefined>;
  save(pollUri: string | undefined): Promise<void>;
}

/** Sends the request an orchestrator asked for, polling 202s; throws (a task failure) when it cannot be sent. */
export async function runDurableHttpActivity(inputJson: string, defaultSleepMs = 30_000, checkpoint?: HttpPollCheckpoint): Promise<WireDurableHttpResponse> {
  const first = JSON.parse(inputJson) as WireDurableHttpRequest;
  const pollRequest = (uri: string): WireDurableHttpRequest => ({
    method: 'GET', uri, headers: Object.fromEntries(Object.entries(first.headers ?? {}).filter(([n]) => n.toLowerCase() !== 'x-functions-key')),
  });
  const resumeAt = first.asynchronousPatternEnabled === false ? undefined : await checkpoint?.load();
  let req = resumeAt ? pollRequest(resumeAt) : first;
  for (;;) {
    const res = await send(req);
    const location = res.headers.Location;
    if (res.statusCode !== 202 || !location || first.asynchronousPatternEnabled === false) {
      if (req !== first) await checkpoint?.save(undefined).catch(() => undefined);
      return res;
    }
    const next = new URL(location, req.uri).toString();
    await checkpoint?.save(next);
    const retryAfter = Number(res.headers['Retry-After']);
    await new Promise((r) => setTimeout(r, Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : defaultSleepMs));
    req = pollRequest(next);
  }
}

async function send(req: WireDurableHttpRequest): Promise<WireDurableHttpResponse> {
  if (!req.uri || !/^https?:\/\//i.test(req.uri)) throw new Error(`callHttp needs an absolute http(s) URL; got '${req.uri ?? ''}'.`);
  if (req.tokenSource) {
    throw new Error('callHttp with a tokenSource (managed identity) is not supported by funclocal: there is no managed identity here; pass an Authorization header instead.');
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const method = (req.method ?? 'GET').toUpperCase();
  const res = await fetch(req.uri, {
    method,
    headers,
    body: method === 'GET' || method === 'HEAD' || req.content === undefined || req.content === null ? undefined : req.content,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    redirect: 'manual',
  });
  const out: Record<string, string> = {};
  res.headers.forEach((value, name) => { out[headerCase(name)] = value; });
  return { statusCode: res.status, headers: out, content: await res.text() };
}

/** Node lower-cases header names; the extension hands them on as the server sent them (usually Title-Case). */
function headerCase(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}
