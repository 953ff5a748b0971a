import { context, propagation, trace } from "@opentelemetry/api";
import { ExportResultCode, globalErrorHandler } from "@opentelemetry/core";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import { expect, it } from "vitest";
import { inSpan, startTracing } from "./index.ts";

it("tells the process each batch of spans it could not export, and nothing once shut down", async () => {
  const errors: string[] = [];
  const refusing: SpanExporter = {
    export: (_spans, done) => done({ code: ExportResultCode.FAILED, error: new Error("collector unreachable") }),
    shutdown: async () => undefined,
  };
  const tracing = await startTracing("orion-test", { exporter: refusing, onError: (err) => errors.push(err.message) });
  try {
    await inSpan("lost", {}, async () => undefined);
    await expect.poll(() => errors).toEqual(["collector unreachable"]);
  } finally {
    await tracing?.shutdown();
    // The worker runs other test files after this one (isolate: false): leave no global provider behind.
    trace.disable();
    context.disable();
    propagation.disable();
  }
  // The SDK's own handler again: what this process reports after shutdown is not this tracing's.
  globalErrorHandler(new Error("after shutdown"));
  expect(errors).toEqual(["collector unreachable"]);
});
