import { describe, expect, it } from "vitest";
import { expectOneTracePerOrder, type ReceivedSpan } from "./otlp-receiver.ts";

const span = (name: string, traceId: string, spanId: string, parentSpanId?: string): ReceivedSpan => ({
  name,
  traceId: traceId.repeat(32),
  spanId: spanId.repeat(16),
  ...(parentSpanId ? { parentSpanId: parentSpanId.repeat(16) } : {}),
});
/** Two blocks, each decided, each with one order. */
const twoBlocks = () => [
  span("scanner.block", "a", "1"),
  span("orchestrator.decide", "a", "2", "1"),
  span("executor.order", "a", "3", "2"),
  span("scanner.block", "b", "4"),
  span("orchestrator.decide", "b", "5", "4"),
  span("executor.order", "b", "6", "5"),
];

describe("expectOneTracePerOrder", () => {
  it("returns each order's whole chain", () => {
    expect(expectOneTracePerOrder(twoBlocks()).map((c) => c.map((s) => s.spanId[0]))).toEqual([
      ["1", "2", "3"],
      ["4", "5", "6"],
    ]);
  });

  it("judges an order whose decision's batch was lost by what arrived", () => {
    const spans = twoBlocks().filter((s) => s.spanId !== "5".repeat(16));
    expect(expectOneTracePerOrder(spans)).toHaveLength(1);
  });

  it("fails an order span with no parent: the context did not cross the bus", () => {
    const spans = twoBlocks().map((s) => (s.spanId === "6".repeat(16) ? span("executor.order", "b", "6") : s));
    expect(() => expectOneTracePerOrder(spans)).toThrow(/has no parent/);
  });

  it("fails a parent that is not the decision, or in another trace", () => {
    const wrongParent = twoBlocks().map((s) =>
      s.spanId === "6".repeat(16) ? span("executor.order", "b", "6", "4") : s,
    );
    expect(() => expectOneTracePerOrder(wrongParent)).toThrow(/the parent of order span/);
    const otherTrace = twoBlocks().map((s) =>
      s.spanId === "6".repeat(16) ? span("executor.order", "c", "6", "5") : s,
    );
    expect(() => expectOneTracePerOrder(otherTrace)).toThrow();
  });

  it("fails when no order's whole chain arrived", () => {
    const spans = twoBlocks().filter((s) => s.name !== "orchestrator.decide");
    expect(() => expectOneTracePerOrder(spans)).toThrow(/no order's whole chain arrived/);
  });
});
