import { ServiceError } from '../errors';

/**
 * The largest request body the API reads (1 MiB). ASR's own bodies are a few KiB; the largest
 * here is a recovery plan with many groups and actions. Documented in docs/api.md.
 */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

/** The deepest JSON nesting the API parses (ASR's bodies nest about 7 levels). */
export const MAX_JSON_DEPTH = 32;

export function bodyTooLarge(bytes: number | string): ServiceError {
  return new ServiceError('RequestBodyTooLarge',
    `the request body is ${bytes} bytes; this API accepts at most ${MAX_REQUEST_BODY_BYTES} bytes (${MAX_REQUEST_BODY_BYTES / 1048576} MiB)`);
}

/**
 * Reads a request body stream up to the limit: refuses by `Content-Length` before reading,
 * and stops reading (413) as soon as a chunked body passes the limit, so a huge body never
 * sits in memory whole.
 */
export async function readBodyText(body: ReadableStream<Uint8Array> | null | undefined, contentLength: string | undefined): Promise<string | undefined> {
  if (contentLength !== undefined && Number(contentLength) > MAX_REQUEST_BODY_BYTES) throw bodyTooLarge(contentLength);
  if (!body) return undefined;
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_REQUEST_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw bodyTooLarge(`more than ${MAX_REQUEST_BODY_BYTES}`);
    }
    chunks.push(value);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : text;
}

/**
 * The nesting depth of JSON text, counted without recursion (brackets outside strings), so a
 * 10,000-deep document is refused with a 400 before any recursive code sees it.
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) max = depth;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return max;
}
