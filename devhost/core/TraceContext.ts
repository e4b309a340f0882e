import { randomBytes } from 'node:crypto';

/** The W3C trace context the worker protocol hands each invocation (`InvocationRequest.traceContext`). */
export interface TraceContext {
  traceParent: string;
  traceState?: string;
  attributes?: Record<string, string>;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/**
 * The trace context of one invocation, as the Functions host makes it: the caller's `traceparent`
 * (an HTTP request's header) continued when it is valid, else a new trace. Telemetry set up by the
 * app (e.g. Application Insights' Functions hook) makes the invocation's spans children of it, so
 * they share its operation id.
 * @see https://www.w3.org/TR/trace-context/#traceparent-header
 */
export function invocationTraceContext(incoming?: { traceparent?: string; tracestate?: string }): TraceContext {
  const parent = incoming?.traceparent?.trim().toLowerCase();
  const m = parent ? TRACEPARENT.exec(parent) : null;
  if (m && !/^0+$/.test(m[1]) && !/^0+$/.test(m[2])) {
    return { traceParent: parent!, ...(incoming?.tracestate ? { traceState: incoming.tracestate } : {}), attributes: {} };
  }
  return { traceParent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`, attributes: {} };
}
