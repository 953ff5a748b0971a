/**
 * New-block subscription by polling the head: works the same over HTTP, WebSocket-less nodes and the in-process
 * devnet. Heads are delivered one at a time; a consumer slower than the blocks first gets the blocks it missed, in
 * order (at most MAX_FILL of them; a longer gap is jumped, and pool-state answers it with a full refresh).
 */
import { blocksToFill, type BlockHead, type HeadSource } from "./head-source.ts";

export type { BlockHead } from "./head-source.ts";
import type { FailoverProvider } from "./rpc.ts";

/** A block as a head, seen now; the provider learns the number (its failover compares endpoints against it). */
export function headOf(
  block: { number: number; parentHash: string; timestamp: number; baseFeePerGas: bigint | null },
  hash: string,
  provider: FailoverProvider,
): BlockHead {
  provider.observeBlock(block.number);
  return {
    number: block.number,
    hash,
    parentHash: block.parentHash,
    timestamp: block.timestamp,
    baseFee: block.baseFeePerGas,
    seenAt: performance.now(),
  };
}

export class BlockCollector implements HeadSource {
  private last: BlockHead | null = null;
  private running = false;
  private loop: Promise<void> | undefined;

  /** `after`: the last head another source already handed on (WebSocketHeads falling back), never repeated here. */
  constructor(
    private readonly provider: FailoverProvider,
    private readonly pollMs = 25,
    after: BlockHead | null = null,
  ) {
    this.last = after;
  }

  get lastHead(): BlockHead | null {
    return this.last;
  }

  /** One look at the chain head: the head if it is new (a higher number or a different hash), otherwise null. */
  async poll(): Promise<BlockHead | null> {
    const block = await this.provider.getBlock("latest");
    if (!block || !block.hash) return null;
    if (this.last && this.last.hash === block.hash) return null;
    const head = headOf(block, block.hash, this.provider);
    this.last = head;
    return head;
  }

  /** Calls onBlock for each new head, one at a time, until stop(). Poll errors are reported and retried. */
  start(onBlock: (head: BlockHead) => Promise<void> | void, onError: (err: unknown) => void): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        try {
          const before = this.last;
          const head = await this.poll();
          if (head) {
            for (const missed of await this.missed(before, head)) {
              if (!this.running) return;
              await onBlock(missed);
            }
            await onBlock(head);
          }
        } catch (err) {
          onError(err);
        }
        await new Promise((r) => setTimeout(r, this.pollMs));
      }
    })();
  }

  /**
   * The blocks between the head handed on before and `head`. Each advances the pool states from its own logs, where a
   * gap re-reads every pool: for V3 pools many calls, which made the next block late again (a consumer slower than
   * the block time then never caught up). They arrive behind a newer block, so the scanner only applies them.
   */
  private async missed(before: BlockHead | null, head: BlockHead): Promise<BlockHead[]> {
    const blocks = await Promise.all(blocksToFill(before, head.number).map((n) => this.provider.getBlock(n)));
    return blocks.flatMap((b) => (b?.hash ? [headOf(b, b.hash, this.provider)] : []));
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}
