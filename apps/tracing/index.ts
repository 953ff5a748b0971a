export { currentTraceCarrier, inSpan, tracer, withTraceCarrier, type TraceCarrier } from "./spans.ts";
export { startTracing, type Tracing } from "./setup.ts";
