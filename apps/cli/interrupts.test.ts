import { describe, expect, it } from "vitest";
import { SAME_INTERRUPT_MS, interrupts } from "./interrupts.ts";

describe("interrupts", () => {
  it("takes a signal and npm's forwarded copy of it as one Ctrl-C, and a later Ctrl-C as the second", () => {
    let now = 1_000;
    const interrupt = interrupts(() => now);
    expect(interrupt()).toBe("stop");
    now += 3; // the same SIGINT, forwarded by npm to its child
    expect(interrupt()).toBe("same");
    now += 2_000; // the user presses Ctrl-C again while the session finishes its trades
    expect(interrupt()).toBe("quit");
  });

  it("counts from the latest signal: copies arriving one after another stay one interrupt", () => {
    let now = 0;
    const interrupt = interrupts(() => now);
    expect(interrupt()).toBe("stop");
    now += SAME_INTERRUPT_MS - 1;
    expect(interrupt()).toBe("same");
    now += SAME_INTERRUPT_MS - 1;
    expect(interrupt()).toBe("same");
    now += SAME_INTERRUPT_MS;
    expect(interrupt()).toBe("quit");
  });
});
