/**
 * Where the bots' OpenTelemetry spans go, decided once for both runtimes: Cloud Run services (components/service)
 * and GKE workers (components/kubernetes) get the same variables of the env contract (apps/domain/env, read by
 * apps/tracing) and, with `collector`, the same sidecar configuration.
 */

/**
 * Either an OTLP/HTTP endpoint that already exists (`otlpEndpoint`), or a collector sidecar (`collector`: an
 * OpenTelemetry Collector image with the googlecloud exporter, pinned by the stack) that receives on localhost:4318
 * and writes to Cloud Trace as the bot's service account (which holds roles/cloudtrace.agent). `sampleRatio`
 * (default 1) samples new traces; a trace begun upstream keeps its parent's decision, so one order's trace is never
 * cut in half.
 */
export type TracingArgs = { sampleRatio?: number } & (
  { otlpEndpoint: string; collector?: undefined } | { collector: { image: string }; otlpEndpoint?: undefined }
);

/** Where the sidecar collector listens, inside the instance or pod only. */
export const COLLECTOR_PORT = 4318;
const COLLECTOR_ENDPOINT = `localhost:${COLLECTOR_PORT}`;
export const COLLECTOR_CONTAINER = "otel-collector";

/** Throws naming `owner` when the settings cannot work; called before anything is created. */
export function validateTracing(tracing: TracingArgs | undefined, owner: string): void {
  if (!tracing) return;
  if ((tracing.collector === undefined) === (tracing.otlpEndpoint === undefined))
    throw new Error(`${owner}: tracing needs exactly one of otlpEndpoint and collector`);
  const ratio = tracing.sampleRatio ?? 1;
  if (!(ratio > 0 && ratio <= 1)) throw new Error(`${owner}: tracing.sampleRatio must be in (0, 1], got ${ratio}`);
}

/**
 * The sidecar collector's configuration (passed in its env and read with --config=env:): OTLP over HTTP in on
 * localhost, a memory limit so a burst cannot take the instance down, batches out to Cloud Trace.
 */
export function collectorConfig(project: string): string {
  return [
    "receivers:",
    "  otlp:",
    "    protocols:",
    "      http:",
    `        endpoint: ${COLLECTOR_ENDPOINT}`,
    "processors:",
    "  memory_limiter:",
    "    check_interval: 1s",
    "    limit_percentage: 80",
    "    spike_limit_percentage: 20",
    "  batch: {}",
    "exporters:",
    "  googlecloud:",
    `    project: ${project}`,
    "service:",
    "  pipelines:",
    "    traces:",
    "      receivers: [otlp]",
    "      processors: [memory_limiter, batch]",
    "      exporters: [googlecloud]",
    "",
  ].join("\n");
}

/** The OpenTelemetry SDK's standard variables for one bot's spans; none without tracing. */
export function tracingEnv(tracing: TracingArgs | undefined, serviceName: string): Record<string, string> {
  if (!tracing) return {};
  return {
    OTEL_SERVICE_NAME: serviceName,
    OTEL_EXPORTER_OTLP_ENDPOINT: tracing.collector ? `http://${COLLECTOR_ENDPOINT}` : tracing.otlpEndpoint,
    OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
    OTEL_TRACES_SAMPLER_ARG: String(tracing.sampleRatio ?? 1),
  };
}
