/**
 * A local OTLP/HTTP receiver (JSON encoding, what @opentelemetry/exporter-trace-otlp-http sends) for end-to-end runs of
 * `orion dev`, and the check that spans cross the bus as one trace per order. The session tests that already run
 * `orion dev` (apps/platform/dev.e2e.test.ts in one process, services.e2e.test.ts with --services) export to it, so
 * the traces need no session of their own.
 */
import { createServer } from "node:http";
import { expect } from "vitest";

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** The exporting process's service.name. */
  service?: string;
}

interface ResourceSpans {
  resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
  scopeSpans: { spans: ReceivedSpan[] }[];
}

export interface OtlpReceiver {
  /** The OTEL_EXPORTER_OTLP_ENDPOINT to give the exporting processes. */
  url: string;
  /** Every span received so far. */
  spans: ReceivedSpan[];
  close(): void;
}

export function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      if (req.url === "/v1/traces") {
        const doc = JSON.parse(body) as { resourceSpans: ResourceSpans[] };
        for (const rs of doc.resourceSpans) {
          const service = rs.resource?.attributes?.find((a) => a.key === "service.name")?.value.stringValue;
          for (const ss of rs.scopeSpans) spans.push(...ss.spans.map((span) => ({ ...span, service })));
        }
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      resolve({ url: `http://127.0.0.1:${port}`, spans, close: () => server.close() });
    }),
  );
}

/**
 * Each order's span is the child of a decision, itself the child of a block, all in one trace; different blocks
 * never share a trace. Returns the [block, decide, order] spans of each order whose whole chain arrived, at least one.
 *
 * Export is best effort: a batch a process could not deliver is lost (the process logs it). Under a full suite on two
 * cores an orchestrator's batch went missing now and then (5 of 8 decisions arrived, every block and order did), and
 * an order whose decision was in it cannot show its chain. So every order span must name a parent (the context
 * crossed the bus to the executor), every parent or grandparent that arrived must be the right span of the order's
 * own trace, and at least one order's whole chain must have arrived.
 */
export function expectOneTracePerOrder(spans: ReceivedSpan[]): ReceivedSpan[][] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const orders = spans.filter((s) => s.name === "executor.order");
  expect(orders.length).toBeGreaterThan(0);
  const blocks = spans.filter((s) => s.name === "scanner.block");
  expect(new Set(blocks.map((b) => b.traceId)).size).toBe(blocks.length);
  // On a failure, what each process exported: a missing parent is then told apart from a process that sent nothing.
  const counts = new Map<string, number>();
  for (const s of spans) counts.set(`${s.service} ${s.name}`, (counts.get(`${s.service} ${s.name}`) ?? 0) + 1);
  const received = JSON.stringify([...counts]);
  const chains: ReceivedSpan[][] = [];
  for (const order of orders) {
    expect(
      /^[0-9a-f]{16}$/.test(order.parentSpanId ?? ""),
      `order span ${order.spanId} has no parent; received ${received}`,
    ).toBe(true);
    const decide = byId.get(order.parentSpanId ?? "");
    if (!decide) continue;
    expect(decide.name, `the parent of order span ${order.spanId}; received ${received}`).toBe("orchestrator.decide");
    expect(decide.traceId).toBe(order.traceId);
    const block = byId.get(decide.parentSpanId ?? "");
    if (!block) continue;
    expect(block.name, `the parent of decide span ${decide.spanId}; received ${received}`).toBe("scanner.block");
    expect(block.traceId).toBe(order.traceId);
    chains.push([block, decide, order]);
  }
  expect(chains.length, `no order's whole chain arrived; received ${received}`).toBeGreaterThan(0);
  return chains;
}
