import { trace } from "@opentelemetry/api";
import pino, { type DestinationStream, type Logger } from "pino";

/** pino level -> Cloud Logging severity (LogSeverity). */
const SEVERITY: Record<string, string> = {
  trace: "DEBUG",
  debug: "DEBUG",
  info: "INFO",
  warn: "WARNING",
  error: "ERROR",
  fatal: "CRITICAL",
};

export interface ServiceLogOptions {
  bot: string;
  level: string;
  /** GCP project: the trace field then names the trace as Cloud Trace does (projects/P/traces/ID). */
  project?: string | undefined;
  region?: string | undefined;
}

/**
 * Log lines to stdout (1) or stderr (2), each written before the call returns. pino's default destination writes
 * asynchronously, and a line that meets a full pipe (its reader busy) waits on a timer: the exit that follows
 * `<bot> stopped` dropped that line. A few lines a block written in place cost microseconds.
 */
export function logLines(fd: 1 | 2): DestinationStream {
  return pino.destination({ dest: fd, sync: true });
}

/**
 * JSON lines on stdout in the shape Cloud Logging reads from a container: `severity`, `message`, `time`, and the
 * active OpenTelemetry span as `logging.googleapis.com/trace` and `spanId`, so a log line links to its trace.
 * Secrets never reach a line: credentials and keys are redacted wherever they appear in a logged object.
 */
export function serviceLogger(o: ServiceLogOptions, destination: DestinationStream = logLines(1)): Logger {
  return pino(
    {
      level: o.level,
      messageKey: "message",
      base: { bot: o.bot, ...(o.region ? { region: o.region } : {}) },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ severity: SEVERITY[label] ?? "DEFAULT" }) },
      mixin() {
        const span = trace.getActiveSpan()?.spanContext();
        if (!span) return {};
        return {
          "logging.googleapis.com/trace": o.project ? `projects/${o.project}/traces/${span.traceId}` : span.traceId,
          "logging.googleapis.com/spanId": span.spanId,
          "logging.googleapis.com/trace_sampled": (span.traceFlags & 1) === 1,
        };
      },
      redact: {
        paths: ["password", "*.password", "privateKey", "*.privateKey", "*.REDIS_PASSWORD", "*.DATABASE_URL"],
        censor: "[redacted]",
      },
    },
    destination,
  );
}
