import type { Counters } from "../identity/index.ts";

interface Counter {
  minute: number;
  /** The whole previous minute's total as this instance last knew it (every instance's hits). */
  previous: number;
  /** This instance's hits not yet added to the shared counter. */
  local: number;
  /** The shared total at the last flush (every instance's hits). */
  known: number;
}

/**
 * Per-minute request budgets counted across instances in the session state's counters, without a round trip per
 * request: hits are counted here and added to the shared counters in one batch every `flushMs`, and each decision uses the last shared total plus this
 * instance's unflushed hits. Other instances' hits are seen at most `flushMs` late.
 *
 * The count is a sliding window: the previous minute's total weighs in for the part of it that still lies within
 * the last 60 s, so a burst at the end of one minute and another at the start of the next cannot add up to twice
 * the budget.
 */
export class RequestBudget {
  private readonly windows = new Map<string, Counter>();
  private timer: NodeJS.Timeout | null = null;
  private flushing = false;

  constructor(
    private readonly shared: Counters,
    private readonly clock: () => Date,
    private readonly flushMs = 100,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  /** Counts one request against `key`; returns the requests used within the last 60 s (sliding estimate). */
  hit(key: string): number {
    const now = this.clock().getTime();
    const minute = Math.floor(now / 60_000);
    let c = this.windows.get(key);
    if (!c || c.minute !== minute) {
      // Hits of the old minute not yet flushed stay local: other instances miss at most flushMs of them.
      const previous = c && c.minute === minute - 1 ? c.known + c.local : 0;
      c = { minute, previous, local: 0, known: 0 };
      this.windows.set(key, c);
    }
    c.local += 1;
    const stillInWindow = 1 - (now % 60_000) / 60_000;
    return Math.floor(c.previous * stillInWindow) + c.known + c.local;
  }

  async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      const current = Math.floor(this.clock().getTime() / 60_000);
      for (const [key, c] of this.windows)
        if (c.minute < current - 1 || (c.minute < current && c.local === 0 && c.previous === 0))
          this.windows.delete(key);
      // Every live counter is sent, unflushed hits or not (INCRBY 0 reads the total): an instance that has been quiet
      // for a while still learns what the others counted.
      const pending = [...this.windows];
      if (pending.length === 0) return;
      const sent = pending.map(([key, c]) => ({ c, n: c.local, key: `budget:${key}:${c.minute}` }));
      const totals = await this.shared.add(sent, 120);
      sent.forEach(({ c, n }, i) => {
        const total = totals[i] ?? null;
        c.local -= n;
        if (total !== null) c.known = total;
        else c.local += n; // not stored: keep it for the next flush
      });
    } catch {
      // The store unreachable: hits stay local (this instance still enforces them) and are retried next flush.
    } finally {
      this.flushing = false;
    }
  }
}
