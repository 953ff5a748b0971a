import type { SpanExporter, SpanProcessor } from "@opentelemetry/sdk-trace-base";

export interface Tracing {
  /** Flushes pending spans and unregisters nothing else: call on shutdown. */
  shutdown(): Promise<void>;
}

/**
 * Registers a tracer provider for this process (context manager for async code, W3C propagation) exporting to
 * `exporter`, or with OTLP over HTTP when OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is set; with neither,
 * nothing is registered and spans stay no-ops. The SDK and the exporter are imported only then: they cost every
 * process that imports the tracing module a few hundred milliseconds of CPU, and most run without an endpoint.
 *
 * `onError`: each batch of spans that could not be exported (the collector down, refusing or too slow), which the SDK
 * otherwise reports only to its own diagnostics, silent by default: spans would be lost with nothing said.
 */
export async function startTracing(
  service: string,
  opts: { exporter?: SpanExporter; env?: NodeJS.ProcessEnv; onError?: (err: Error) => void } = {},
): Promise<Tracing | null> {
  const env = opts.env ?? process.env;
  const otlp = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!opts.exporter && !otlp) return null;
  const [
    { W3CTraceContextPropagator, loggingErrorHandler, setGlobalErrorHandler },
    { Resource },
    { BatchSpanProcessor, SimpleSpanProcessor },
    { NodeTracerProvider },
  ] = await Promise.all([
    import("@opentelemetry/core"),
    import("@opentelemetry/resources"),
    import("@opentelemetry/sdk-trace-base"),
    import("@opentelemetry/sdk-trace-node"),
  ]);
  let processor: SpanProcessor;
  if (opts.exporter) processor = new SimpleSpanProcessor(opts.exporter);
  else {
    const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
    processor = new BatchSpanProcessor(new OTLPTraceExporter());
  }
  const provider = new NodeTracerProvider({
    resource: new Resource({ "service.name": env.OTEL_SERVICE_NAME || service }),
    spanProcessors: [processor],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  const { onError } = opts;
  if (onError) setGlobalErrorHandler((err) => onError(err instanceof Error ? err : new Error(String(err))));
  return {
    shutdown: async () => {
      try {
        await provider.shutdown();
      } finally {
        if (onError) setGlobalErrorHandler(loggingErrorHandler());
      }
    },
  };
}
