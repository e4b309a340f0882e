import type { z } from 'zod';
import { ServiceError } from '../errors';
import { jsonDepth, MAX_JSON_DEPTH } from './requestLimits';

/** Parses JSON text; `InvalidJson` if it is not JSON or nests deeper than {@link MAX_JSON_DEPTH}. An empty body is `{}`. */
export function parseJson(text: string | undefined): unknown {
  if (text === undefined || text.trim() === '') return {};
  if (jsonDepth(text) > MAX_JSON_DEPTH) {
    throw new ServiceError('InvalidJson', `the request body nests deeper than ${MAX_JSON_DEPTH} levels; no request of this API needs that`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ServiceError('InvalidJson', `the request body is not valid JSON (${(err as Error).message})`, { cause: err });
  }
}

/** Validates a body with zod; `InvalidRequestBody` naming the first bad field as a dotted path. */
export function parseBody<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.map(String).join('.') || '(body)';
  throw new ServiceError('InvalidRequestBody', `${field}: ${issue.message}`, { details: { target: field } });
}
