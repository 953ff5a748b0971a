import { describe, expect, it, vi } from "vitest";
import { SAME_INTERRUPT_MS, interrupts, onInterrupt } from "./interrupts.ts";

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

describe("onInterrupt", () => {
  it("stops once for a signal and its copy, quits with 130 on a later one, and stops listening when told", () => {
    let now = 0;
    const stop = vi.fn();
    const exit = vi.spyOn(process, "exit").mockImplementation(() => undefined as never);
    const before = process.listenerCount("SIGINT") + process.listenerCount("SIGTERM");
    const stopListening = onInterrupt(stop, () => now);
    try {
      process.emit("SIGINT");
      now += 5;
      process.emit("SIGTERM");
      expect(stop).toHaveBeenCalledTimes(1);
      expect(exit).not.toHaveBeenCalled();
      now += 2_000;
      process.emit("SIGINT");
      expect(exit).toHaveBeenCalledWith(130);
    } finally {
      stopListening();
      exit.mockRestore();
    }
    expect(process.listenerCount("SIGINT") + process.listenerCount("SIGTERM")).toBe(before);
  });
});
