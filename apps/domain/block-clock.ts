/**
 * The chain's pace as its heads are seen: the time between the last two consecutive blocks, and a quarter of it, by
 * when a block's own orders have gone to the node. Work that would only crowd those orders waits that long after a
 * head: the executor's looks at sent trades (HeadTicks), the orchestrator's rejected verdicts.
 */

/** The longest a quarter block is taken to be: on slow chains it would be seconds. */
export const QUARTER_BLOCK_MAX_MS = 250;

export class BlockClock {
  /** The newest block seen (-1 before the first), and when, on the caller's clock (ms). */
  block = -1;
  at = 0;
  /** Time between the last two consecutive blocks; 0 until two were seen. */
  intervalMs = 0;

  /** A block seen at `at`: false, and nothing changes, when it is not newer than the newest. */
  seen(block: number, at: number): boolean {
    if (block <= this.block) return false;
    if (this.block >= 0 && block === this.block + 1) this.intervalMs = at - this.at;
    this.block = block;
    this.at = at;
    return true;
  }

  /** A quarter of the block time, at most QUARTER_BLOCK_MAX_MS; 0 until two consecutive blocks were seen. */
  quarterBlockMs(): number {
    return Math.min(Math.max(0, this.intervalMs) / 4, QUARTER_BLOCK_MAX_MS);
  }
}
