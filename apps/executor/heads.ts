/**
 * New heads of the chain as a signal: a sent trade is looked for once per new block, which is when its receipt can
 * appear, instead of on a timer. Fed by a newHeads subscription (ExecutorBot) or by whatever else sees the heads.
 */
export interface HeadSignal {
  /** The newest head number seen (-1 before the first). */
  readonly latest: number;
  /**
   * Resolves a little after a head newer than `after` was seen (see HeadTicks), at once if that moment has passed, or
   * after `timeoutMs` if no such head comes.
   */
  next(after: number, timeoutMs: number): Promise<void>;
}

/** The longest a follower waits after a head (HeadTicks.next): on slow chains a quarter block would be seconds. */
export const LOOK_AFTER_HEAD_MAX_MS = 250;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class HeadTicks implements HeadSignal {
  latest = -1;
  /** performance.now() when `latest` was seen. */
  private latestAt = 0;
  /** Time between the last two consecutive heads; 0 until two were seen. */
  private blockMs = 0;
  private readonly waiting = new Set<() => void>();

  /** A head was seen: everyone waiting for a newer one than they knew goes on. */
  seen(blockNumber: number): void {
    if (blockNumber <= this.latest) return;
    const now = performance.now();
    if (this.latest >= 0 && blockNumber === this.latest + 1) this.blockMs = now - this.latestAt;
    this.latest = blockNumber;
    this.latestAt = now;
    for (const wake of [...this.waiting]) wake();
  }

  /**
   * A quarter of a block (at most LOOK_AFTER_HEAD_MAX_MS) after the head: the start of a block is when its own orders
   * are simulated and sent, and on a node that answers one request at a time (the devnet) the followers' lookups
   * queued in front of them. A trade sent earlier is as final a quarter of a block later.
   */
  async next(after: number, timeoutMs: number): Promise<void> {
    if (this.latest <= after) await this.newHead(timeoutMs);
    if (this.latest <= after) return;
    const wait = this.latestAt + Math.min(this.blockMs / 4, LOOK_AFTER_HEAD_MAX_MS) - performance.now();
    if (wait > 0) await sleep(wait);
  }

  private newHead(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiting.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      this.waiting.add(wake);
    });
  }
}
