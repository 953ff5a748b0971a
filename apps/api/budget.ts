import type { Redis } from "ioredis";

interface Counter {
  minute: number;
  /** The whole previous minute's total as this instance last knew it (every instance's hits). */
  previous: number;
  /** This instance's hits not yet added to Redis. */
  local: number;
  /** The total Redis reported at the last flush (every instance's hits). */
  known: number;
}

/**
 * Per-minute request budgets counted in Redis across instances, without a round trip per request: hits are counted
 * here and added to Redis in one pipeline every `flushMs`, and each decision uses the last shared total plus this
 * instance's unflushed hits. Other instances' hits are seen at most `flushMs` late.
 *
 * The count is a sliding window: the previous minute's total weighs in for the part of it that still lies within
 * the last 60 s, so a burst at the end of one minute and another at the start of the next cannot add up to twice
 * the budget.
 */
export class RequestBudget {
  private readonly counters = new Map<string, Counter>();
  private timer: NodeJS.Timeout | null = null;
  private flushing = false;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
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
    let c = this.counters.get(key);
    if (!c || c.minute !== minute) {
      // Hits of the old minute not yet flushed stay local: other instances miss at most flushMs of them.
      const previous = c && c.minute === minute - 1 ? c.known + c.local : 0;
      c = { minute, previous, local: 0, known: 0 };
      this.counters.set(key, c);
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
      for (const [key, c] of this.counters)
        if (c.minute < current - 1 || (c.minute < current && c.local === 0 && c.previous === 0))
          this.counters.delete(key);
      // Every live counter is sent, unflushed hits or not (INCRBY 0 reads the total): an instance that has been quiet
      // for a while still learns what the others counted.
      const pending = [...this.counters];
      if (pending.length === 0) return;
      const pipe = this.redis.pipeline();
      const sent = pending.map(([key, c]) => {
        const n = c.local;
        const redisKey = `${this.prefix}budget:${key}:${c.minute}`;
        pipe.incrby(redisKey, n).expire(redisKey, 120);
        return { c, n };
      });
      const results = await pipe.exec();
      sent.forEach(({ c, n }, i) => {
        const total = Number(results?.[i * 2]?.[1] ?? NaN);
        c.local -= n;
        if (Number.isFinite(total)) c.known = total;
        else c.local += n; // not stored: keep it for the next flush
      });
    } catch {
      // Redis unreachable: hits stay local (this instance still enforces them) and are retried next flush.
    } finally {
      this.flushing = false;
    }
  }
}
