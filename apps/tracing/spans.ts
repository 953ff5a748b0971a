import {
  context,
  propagation,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type Tracer,
} from "@opentelemetry/api";

/**
 * The platform's tracer, from the provider registered now. Without one (tests, a run without OTLP) every span is a
 * no-op. Asked for at each span: a tracer taken once, at import, stays with the first provider ever registered in the
 * process, even once another replaced it (a test worker registers one per file).
 */
export function tracer(): Tracer {
  return trace.getTracer("alpha-orion");
}

/** W3C trace context (traceparent, tracestate) as a bus message carries it. */
export type TraceCarrier = Record<string, string>;

/** The active trace context, to travel with a message; empty when nothing is being traced. */
export function currentTraceCarrier(): TraceCarrier {
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** Runs `fn` inside the trace a message carried, so its spans continue the publisher's trace in this process. */
export function withTraceCarrier<T>(carrier: TraceCarrier | undefined, fn: () => Promise<T>): Promise<T> {
  return context.with(propagation.extract(context.active(), carrier ?? {}), fn);
}

/**
 * Runs `fn` in a new active span that ends when it settles, recording a thrown error. `startTime` (ms since the
 * epoch) backdates the span, e.g. to when the block was seen.
 */
export function inSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
  startTime?: number,
): Promise<T> {
  return tracer().startActiveSpan(
    name,
    { attributes, ...(startTime === undefined ? {} : { startTime }) },
    async (span) => {
      try {
        return await fn(span);
      } catch (err) {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}
