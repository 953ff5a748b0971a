import { context, propagation, trace } from "@opentelemetry/api";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { deleteKeysWithPrefix, TEST_REDIS_URL, testKeyPrefix } from "../../test/support/redis.ts";
import { createMemoryBus, createRedisBus, type Bus, type Topic } from "../bus/index.ts";
import { inSpan, startTracing, type Tracing } from "./index.ts";

const exporter = new InMemorySpanExporter();
let tracing: Tracing | null;
const prefix = testKeyPrefix();

beforeAll(async () => {
  tracing = await startTracing("orion-test", { exporter });
});
afterAll(async () => {
  await tracing?.shutdown();
  // The worker runs other test files after this one (isolate: false): leave no global provider behind.
  trace.disable();
  context.disable();
  propagation.disable();
  await deleteKeysWithPrefix(prefix);
});

const hop = (name: string): Topic<{ n: number }, { n: number }> => ({
  name,
  schema: z.object({ n: z.number() }),
  encode: (v) => v,
  key: (v) => String(v.n),
});

/** Three buses standing for three processes: what one publishes reaches the next only through the transport. */
async function relay(buses: [Bus, Bus, Bus], run: string): Promise<void> {
  const [scanner, orchestrator, executor] = buses;
  const opportunities = hop(`${run}-opportunities`);
  const orders = hop(`${run}-orders`);
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const subs = [
    await orchestrator.subscribe(opportunities, { group: "orchestrator", consumer: "o1" }, (m) =>
      inSpan("orchestrator.decide", {}, () => orchestrator.publish(orders, m)),
    ),
    await executor.subscribe(orders, { group: "executor", consumer: "e1" }, () =>
      inSpan("executor.order", {}, async () => done()),
    ),
  ];
  await inSpan("scanner.block", {}, () => scanner.publish(opportunities, { n: 1 }));
  await finished;
  for (const s of subs) await s.stop();
}

function spansOf(run: string) {
  // The three spans of this run, found by name among everything exported so far.
  const spans = exporter.getFinishedSpans().filter((s) => s.instrumentationLibrary.name === "alpha-orion");
  const by = (name: string) => spans.filter((s) => s.name === name).at(-1);
  return { run, scanner: by("scanner.block"), orchestrator: by("orchestrator.decide"), executor: by("executor.order") };
}

describe("trace context carried in each bus message", () => {
  it("over Redis Streams, one trace runs from the scanner's span through the orchestrator's to the executor's", async () => {
    exporter.reset();
    const buses = [0, 1, 2].map(() => createRedisBus({ url: TEST_REDIS_URL, keyPrefix: prefix })) as [Bus, Bus, Bus];
    try {
      await relay(buses, "redis");
    } finally {
      for (const b of buses) await b.close();
    }
    const { scanner, orchestrator, executor } = spansOf("redis");
    expect(scanner && orchestrator && executor).toBeTruthy();
    const traceId = scanner?.spanContext().traceId;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(orchestrator?.spanContext().traceId).toBe(traceId);
    expect(executor?.spanContext().traceId).toBe(traceId);
    // Each hop is the child of the span that published it.
    expect(orchestrator?.parentSpanId).toBe(scanner?.spanContext().spanId);
    expect(executor?.parentSpanId).toBe(orchestrator?.spanContext().spanId);
  });

  it("on the in-process bus the same way", async () => {
    exporter.reset();
    const bus = createMemoryBus();
    await relay([bus, bus, bus], "memory");
    const { scanner, orchestrator, executor } = spansOf("memory");
    expect(orchestrator?.spanContext().traceId).toBe(scanner?.spanContext().traceId);
    expect(executor?.parentSpanId).toBe(orchestrator?.spanContext().spanId);
    await bus.close();
  });

  it("a message published outside any trace starts none, and its handler still runs", async () => {
    exporter.reset();
    const bus = createRedisBus({ url: TEST_REDIS_URL, keyPrefix: prefix });
    const topic = hop("untraced");
    let seen: string | undefined;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const sub = await bus.subscribe(topic, { group: "g", consumer: "c" }, async () => {
      seen = trace.getActiveSpan()?.spanContext().traceId;
      done();
    });
    await bus.publish(topic, { n: 7 });
    await finished;
    await sub.stop();
    await bus.close();
    expect(seen).toBeUndefined();
  });
});
