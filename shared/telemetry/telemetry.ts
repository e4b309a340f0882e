import { context, metrics, SpanKind, SpanStatusCode, trace, TraceFlags, type Attributes, type Context } from '@opentelemetry/api';
import { METRIC_KINDS, type MetricName } from './metricNames';

/**
 * The service's telemetry, over the OpenTelemetry API only: until an SDK registers itself
 * (startApplicationInsights, at app start when APPLICATIONINSIGHTS_CONNECTION_STRING is set)
 * every call here is a no-op costing a few property reads. Shared code imports this, never an SDK.
 */
const SCOPE = 'site-recovery-functions';

type Instrument = { record(value: number, attributes?: Attributes): void };
const instruments = new Map<MetricName, Instrument>();

/** Instruments are created on first use: the meter provider must be the one registered by then. */
function instrumentOf(name: MetricName): Instrument {
  let found = instruments.get(name);
  if (!found) {
    const meter = metrics.getMeter(SCOPE);
    const kind = METRIC_KINDS[name];
    if (kind === 'counter') {
      const counter = meter.createCounter(name);
      found = { record: (v, a) => counter.add(v, a) };
    } else {
      found = kind === 'gauge' ? meter.createGauge(name) : meter.createHistogram(name);
    }
    instruments.set(name, found);
  }
  return found;
}

/** Records one value of a documented metric (shared/telemetry/metricNames). */
export function recordMetric(name: MetricName, value: number, attributes?: Attributes): void {
  if (!Number.isFinite(value)) return;
  instrumentOf(name).record(value, attributes);
}

/** Forgets the instruments (a test that registers a new SDK after an old one). */
export function resetTelemetryInstruments(): void {
  instruments.clear();
}

export interface SpanOptions {
  kind?: 'server' | 'internal' | 'consumer';
  /** Make the span part of this operation: a GUID (or 32 hex digits) used as its trace id. */
  operationId?: string;
}

const KINDS = { server: SpanKind.SERVER, internal: SpanKind.INTERNAL, consumer: SpanKind.CONSUMER };

/** The trace id an operation key names, when it is a GUID or 32 hex digits (not all zero). */
export function traceIdOf(operationId: string): string | undefined {
  const hex = operationId.replace(/-/g, '').toLowerCase();
  return /^[0-9a-f]{32}$/.test(hex) && !/^0+$/.test(hex) ? hex : undefined;
}

function parentFor(operationId: string | undefined): Context {
  const traceId = operationId === undefined ? undefined : traceIdOf(operationId);
  if (!traceId) return context.active();
  // A remote parent whose span id is derived from the trace id: every host names the same one.
  return trace.setSpanContext(context.active(), { traceId, spanId: traceId.slice(0, 16), traceFlags: TraceFlags.SAMPLED, isRemote: true });
}

/**
 * Runs `fn` inside a span, ending it with fn's outcome (an exception marks it failed and is
 * rethrown). Without a registered SDK the span is a no-op.
 */
export function inSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T>, options: SpanOptions & { resultAttributes?: (result: T) => Attributes } = {}): Promise<T> {
  const tracer = trace.getTracer(SCOPE);
  const kind = options.kind ?? 'internal';
  // Azure Monitor names a request after its operation name, which it takes from a server span's
  // name but from a consumer span only through this attribute: without it a step's request is nameless.
  const named = kind === 'consumer' ? { ...attributes, 'ai.operation.name': name } : attributes;
  return tracer.startActiveSpan(name, { kind: KINDS[kind], attributes: named }, parentFor(options.operationId), async (span) => {
    try {
      const result = await fn();
      if (options.resultAttributes) span.setAttributes(options.resultAttributes(result));
      span.setStatus({ code: SpanStatusCode.OK });
      return result;
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** The operation id (trace id) of the active span, if any: what logs quote to be found again. */
export function currentOperationId(): string | undefined {
  const id = trace.getActiveSpan()?.spanContext().traceId;
  return id && !/^0+$/.test(id) ? id : undefined;
}

/**
 * A line of trace on the active span (Application Insights: a trace item with the span's
 * operation id); nothing when no span is active or no SDK runs.
 */
export function traceMessage(message: string, attributes?: Attributes): void {
  trace.getActiveSpan()?.addEvent(message, attributes);
}
