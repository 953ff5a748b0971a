export interface BlockHead {
  number: number;
  hash: string;
  parentHash: string;
  timestamp: number;
  /**
   * The block's base fee per gas (null on a chain without one). Handed on with the block's orders, with the timestamp,
   * so the executor need not read the header again. Absent where a head was built without it (tests).
   */
  baseFee?: bigint | null;
  /**
   * performance.now() when the source first saw this head (a newHeads notification's arrival; a polled header's
   * answer): the start of every per-block latency.
   */
  seenAt: number;
}

/** Whether `head` is the direct child of `block`: a state at `block` then advances from the head's logs alone. */
export function isChildOf(
  head: Pick<BlockHead, "number" | "parentHash">,
  block: { number: number; hash: string } | null,
) {
  return block !== null && head.number === block.number + 1 && head.parentHash === block.hash;
}

/** The longest run of skipped blocks a head source fetches one by one; beyond it the gap is jumped. */
export const MAX_FILL = 16;

/** The blocks skipped between the head handed on last and `next`, when there are some and at most MAX_FILL. */
export function blocksToFill(last: Pick<BlockHead, "number"> | null, next: number): number[] {
  if (last === null || next <= last.number + 1 || next - last.number > MAX_FILL) return [];
  return Array.from({ length: next - last.number - 1 }, (_, i) => last.number + 1 + i);
}

/**
 * Where new heads come from: polling (BlockCollector) or a WebSocket newHeads subscription (WebSocketHeads). Either
 * hands each new head to one consumer at a time; a head that arrives while the consumer is busy replaces any older
 * waiting one. Both first hand on the blocks skipped that way, one by one, when at most MAX_FILL are missing; a
 * longer gap is one PoolState answers with a full re-read.
 */
export interface HeadSource {
  readonly lastHead: BlockHead | null;
  start(onBlock: (head: BlockHead) => Promise<void> | void, onError: (err: unknown) => void): void;
  stop(): Promise<void>;
}
