/**
 * When an order stops being worth sending: pure. The contract checks two deadlines. The block deadline is exact where
 * block.number is the chain's own block (Ethereum, OP-stack): the trade runs in the very next block or not at all, so
 * it runs on the state it was priced on. On Arbitrum block.number inside a contract is an approximate L1 block number,
 * unrelated to the L2 block the order was priced on, so there the block deadline is off and the time deadline
 * (block.timestamp, which means the same on every chain) is the one that binds.
 */

export interface DeadlinePolicy {
  /** Blocks after the order's block the trade may still run in; null for no block deadline. */
  blocks: number | null;
  /** Seconds after the head's timestamp at simulation the trade may still run at. */
  seconds: number;
}

/** Where a block deadline exists, the time deadline is only a backstop: a minute, longer than any sane block time. */
export const BACKSTOP_SECONDS = 60;

export function deadlinePolicy(
  gasModel: "ethereum" | "op-stack" | "arbitrum",
  blockTimeMs: number,
  blocks: number,
): DeadlinePolicy {
  if (gasModel !== "arbitrum") return { blocks, seconds: BACKSTOP_SECONDS };
  // Timestamps have whole seconds, and several L2 blocks share one: at least one second after the head's.
  return { blocks: null, seconds: Math.max(1, Math.ceil((blocks * blockTimeMs) / 1000)) };
}

/** The two deadlines of one trade: after order block + blocks (if any), and after the head's timestamp + seconds. */
export function deadlinesOf(
  policy: DeadlinePolicy,
  orderBlock: number,
  headTimestamp: number,
): { deadlineBlock: number | null; deadlineAt: number } {
  return {
    deadlineBlock: policy.blocks === null ? null : orderBlock + policy.blocks,
    deadlineAt: headTimestamp + policy.seconds,
  };
}

/** Whether a head is past a trade's deadlines: the contract would revert the trade in that block or any later one. */
export function isPastDeadline(
  d: { deadlineBlock: number | null; deadlineAt: number | null },
  head: { number: number; timestamp: number },
): boolean {
  return (
    (d.deadlineBlock !== null && head.number > d.deadlineBlock) ||
    (d.deadlineAt !== null && head.timestamp > d.deadlineAt)
  );
}
