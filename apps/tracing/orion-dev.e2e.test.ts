import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/support/postgres.ts";
import { deleteKeysWithPrefix, TEST_REDIS_URL, testKeyPrefix } from "../../test/support/redis.ts";

const ORION = fileURLToPath(new URL("../../bin/orion.mjs", import.meta.url));

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
}

/** A local OTLP/HTTP receiver (JSON encoding, what @opentelemetry/exporter-trace-otlp-http sends). */
function otlpReceiver(spans: ReceivedSpan[]): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      if (req.url === "/v1/traces") {
        const doc = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: ReceivedSpan[] }[] }[] };
        for (const rs of doc.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
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
  let db: TestDatabase;
  let dir: string;
  const prefix = testKeyPrefix();
  beforeAll(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), "orion-trace-"));
  });
  afterAll(async () => {
    await db.drop();
    await deleteKeysWithPrefix(prefix);
    await rm(dir, { recursive: true, force: true });
  });

  it("every order's executor span shares one trace with the orchestrator's decision and the scanner's block", async () => {
    const spans: ReceivedSpan[] = [];
    const receiver = await otlpReceiver(spans);
    try {
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn(
          process.execPath,
          [ORION, "dev", "--mode", "sim", "--blocks", "8", "--block-time", "400", "--port", "0"],
          {
            env: {
              ...process.env,
              DATABASE_URL: db.url,
              REDIS_URL: TEST_REDIS_URL,
              ORION_REDIS_PREFIX: prefix,
              ORION_HOME: dir,
              LOG_LEVEL: "error",
              OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
            },
            stdio: "ignore",
          },
        );
        child.on("close", resolve);
      });
      expect(code).toBe(0);
    } finally {
      receiver.server.close();
    }
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const orders = spans.filter((s) => s.name === "executor.order");
    expect(orders.length).toBeGreaterThan(0);
    for (const order of orders) {
      const decide = byId.get(order.parentSpanId ?? "");
      const block = byId.get(decide?.parentSpanId ?? "");
      expect(decide?.name).toBe("orchestrator.decide");
      expect(block?.name).toBe("scanner.block");
      expect(new Set([order.traceId, decide?.traceId, block?.traceId]).size).toBe(1);
    }
    // One trace per block: different blocks never share one.
    const blocks = spans.filter((s) => s.name === "scanner.block");
    expect(new Set(blocks.map((b) => b.traceId)).size).toBe(blocks.length);
  }, 240_000);
});
