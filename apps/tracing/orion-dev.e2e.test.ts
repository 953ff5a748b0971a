import { createServer, type Server } from "node:http";
import { describe, expect, it } from "vitest";
import { runOrion } from "../../test/support/orion-cli.ts";
import { orionSession } from "../../test/support/orion-session.ts";

interface ReceivedSpan {
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

/** A local OTLP/HTTP receiver (JSON encoding, what @opentelemetry/exporter-trace-otlp-http sends). */
function otlpReceiver(spans: ReceivedSpan[]): Promise<{ server: Server; url: string }> {
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
      resolve({ server, url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}` });
    }),
  );
}

describe("traces across the bus in orion dev (Redis Streams between the stages, OTLP export)", () => {
  const session = orionSession("trace");

  /** Runs a bounded `orion dev` exporting to a local OTLP receiver; resolves with the spans it received. */
  async function tracedRun(extra: string[]): Promise<ReceivedSpan[]> {
    const spans: ReceivedSpan[] = [];
    const receiver = await otlpReceiver(spans);
    try {
      const { code } = await runOrion(
        ["dev", "--mode", "sim", "--blocks", "8", "--block-time", "400", "--port", "0", ...extra],
        { env: session.env({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }) },
      );
      expect(code).toBe(0);
    } finally {
      receiver.server.close();
    }
    return spans;
  }

  /** Each order's span is the child of a decision, itself the child of a block, all in one trace. */
  function expectOneTracePerOrder(spans: ReceivedSpan[]): ReceivedSpan[][] {
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const orders = spans.filter((s) => s.name === "executor.order");
    expect(orders.length).toBeGreaterThan(0);
    return orders.map((order) => {
      const decide = byId.get(order.parentSpanId ?? "");
      const block = byId.get(decide?.parentSpanId ?? "");
      expect(decide?.name).toBe("orchestrator.decide");
      expect(block?.name).toBe("scanner.block");
      expect(new Set([order.traceId, decide?.traceId, block?.traceId]).size).toBe(1);
      return [block as ReceivedSpan, decide as ReceivedSpan, order];
    });
  }

  it("every order's executor span shares one trace with the orchestrator's decision and the scanner's block", async () => {
    const spans = await tracedRun([]);
    expectOneTracePerOrder(spans);
    // One trace per block: different blocks never share one.
    const blocks = spans.filter((s) => s.name === "scanner.block");
    expect(new Set(blocks.map((b) => b.traceId)).size).toBe(blocks.length);
  }, 240_000);

  it("with --services each bot exports from its own process, and one order's spans still share one trace id", async () => {
    const spans = await tracedRun(["--services"]);
    for (const [block, decide, order] of expectOneTracePerOrder(spans)) {
      // Three processes, three exporters: the trace crossed Redis Streams twice.
      expect([block?.service, decide?.service, order?.service]).toEqual([
        "orion-scanner",
        "orion-orchestrator",
        "orion-executor",
      ]);
    }
  }, 240_000);
});
