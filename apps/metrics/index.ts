export { PipelineMetrics, type Labels, type Stage } from "./pipeline.ts";
export { serveMetrics, type MetricsServer } from "./server.ts";
