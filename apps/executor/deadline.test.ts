import { describe, expect, it } from "vitest";
import { BACKSTOP_SECONDS, deadlinePolicy, deadlinesOf, isPastDeadline } from "./deadline.ts";

describe("deadline policy", () => {
  it("keeps the exact block deadline where block.number is the chain's own, with a time backstop", () => {
    expect(deadlinePolicy("ethereum", 12_000, 1)).toEqual({ blocks: 1, seconds: BACKSTOP_SECONDS });
    expect(deadlinePolicy("op-stack", 2_000, 2)).toEqual({ blocks: 2, seconds: BACKSTOP_SECONDS });
  });

  it("on Arbitrum drops the block deadline and binds by time, never under a whole second", () => {
    expect(deadlinePolicy("arbitrum", 250, 1)).toEqual({ blocks: null, seconds: 1 });
    expect(deadlinePolicy("arbitrum", 250, 10)).toEqual({ blocks: null, seconds: 3 });
  });

  it("is past a deadline once either the block or the time is beyond it", () => {
    const d = deadlinesOf({ blocks: 2, seconds: 60 }, 100, 1_000);
    expect(d).toEqual({ deadlineBlock: 102, deadlineAt: 1_060 });
    expect(isPastDeadline(d, { number: 102, timestamp: 1_060 })).toBe(false);
    expect(isPastDeadline(d, { number: 103, timestamp: 1_000 })).toBe(true);
    expect(isPastDeadline(d, { number: 101, timestamp: 1_061 })).toBe(true);
    const arbitrum = deadlinesOf({ blocks: null, seconds: 1 }, 300_000_000, 1_000);
    expect(isPastDeadline(arbitrum, { number: 400_000_000, timestamp: 1_001 })).toBe(false);
    // Rows journaled before time deadlines existed carry none: only their block decides.
    expect(isPastDeadline({ deadlineBlock: 5, deadlineAt: null }, { number: 5, timestamp: 10 ** 10 })).toBe(false);
  });
});
