import { describe, expect, it } from "vitest";
import { AlreadyJournaled, UnrecordedOrder } from "../ports.ts";
import { UnminableTrades } from "./unminable.ts";

describe("UnminableTrades", () => {
  it("remembers a trade whose journal write failed, once, and not one whose write succeeded", async () => {
    const trades = new UnminableTrades();
    const lost = new Error("connection terminated");
    await expect(trades.write("a", () => Promise.reject(lost))).rejects.toBe(lost);
    await trades.write("b", () => Promise.resolve());
    expect(trades.take("b")).toBe(false);
    expect(trades.take("a")).toBe(true);
    // Resolved once: a row of the same id seen again is judged from the chain.
    expect(trades.take("a")).toBe(false);
  });

  it("does not remember a second delivery's refusal or an order without its record: nothing was written", async () => {
    const trades = new UnminableTrades();
    const twice = new AlreadyJournaled("opportunity o1 already has trade t1");
    const unrecorded = new UnrecordedOrder("order o2 has no decision record");
    await expect(trades.write("t1", () => Promise.reject(twice))).rejects.toBe(twice);
    await expect(trades.write("t2", () => Promise.reject(unrecorded))).rejects.toBe(unrecorded);
    // The row of "t1" is the first delivery's, which may have been sent: never dropped from here.
    expect(trades.take("t1")).toBe(false);
    expect(trades.take("t2")).toBe(false);
  });
});
