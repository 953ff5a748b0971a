/**
 * New heads of the chain as a signal: a sent trade is looked for once per new block, which is when its receipt can
 * appear, instead of on a timer. Fed by a newHeads subscription (ExecutorBot) or by whatever else sees the heads.
 */
import type { BatchReads } from "../chain/index.ts";
import { BlockClock } from "../domain/index.ts";

export interface HeadSignal {
  /** The newest head number seen (-1 before the first). */
  readonly latest: number;
  /** Resolves once a head newer than `after` has been seen (at once if one has), or after `timeoutMs`. */
  next(after: number, timeoutMs: number): Promise<void>;
  /**
   * Resolves a quarter of a block after the latest head (the block timed between the last two heads, at most
   * QUARTER_BLOCK_MAX_MS; at once before two were seen): by then the block's own orders have gone to the node.
   */
  pastHead(): Promise<void>;
  /** Calls `listener` with each new head as it is seen, until the returned function is called. Absent: not offered. */
  watch?(listener: (blockNumber: number) => void): () => void;
  /**
   * Reads sent by the way the latest head came, when whoever sees the heads offers one (the scanner's newHeads
   * socket: no HTTP request to make or parse on either side); null or absent: the provider's own.
   */
  readonly reads?: BatchReads | null;
}

export class HeadTicks implements HeadSignal {
  /** The heads as seen, on performance.now(). */
  private readonly clock = new BlockClock();
  private readonly waiting = new Set<() => void>();
  private readonly watchers = new Set<(blockNumber: number) => void>();
  reads: BatchReads | null = null;

  get latest(): number {
    return this.clock.block;
  }

  /**
   * A head was seen: everyone waiting for a newer one than they knew goes on. `reads`: how reads reach the node that
   * announced it (absent: by the provider, as when the heads are polled).
   */
  seen(blockNumber: number, reads?: BatchReads): void {
    this.reads = reads ?? null;
    if (!this.clock.seen(blockNumber, performance.now())) return;
    for (const wake of [...this.waiting]) wake();
    for (const watcher of [...this.watchers]) watcher(blockNumber);
  }

  watch(listener: (blockNumber: number) => void): () => void {
    this.watchers.add(listener);
    return () => this.watchers.delete(listener);
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

  pastHead(): Promise<void> {
    const wait = this.clock.at + this.clock.quarterBlockMs() - performance.now();
    return wait > 0 ? new Promise((r) => setTimeout(r, wait)) : Promise.resolve();
  }
}
