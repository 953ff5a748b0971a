/**
 * New heads of the chain as a signal: a sent trade is looked for once per new block, which is when its receipt can
 * appear, instead of on a timer. Fed by a newHeads subscription (ExecutorBot) or by whatever else sees the heads.
 */
export interface HeadSignal {
  /** The newest head number seen (-1 before the first). */
  readonly latest: number;
  /** Resolves once a head newer than `after` has been seen (at once if one has), or after `timeoutMs`. */
  next(after: number, timeoutMs: number): Promise<void>;
}

export class HeadTicks implements HeadSignal {
  latest = -1;
  private readonly waiting = new Set<() => void>();

  /** A head was seen: everyone waiting for a newer one than they knew goes on. */
  seen(blockNumber: number): void {
    if (blockNumber <= this.latest) return;
    this.latest = blockNumber;
    for (const wake of [...this.waiting]) wake();
  }

  next(after: number, timeoutMs: number): Promise<void> {
    if (this.latest > after) return Promise.resolve();
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
