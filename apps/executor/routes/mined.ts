/**
 * The outcome of a trade whose transaction is mined, shared by both routes: final only once the block is
 * `confirmations` deep and still canonical; profit from the executor contract's Trade event; how many transactions
 * ahead of it in the block touched its pools.
 */
import type { JsonRpcApiProvider, Log, TransactionReceipt } from "ethers";
import type { Logger } from "pino";
import type { FinalOutcome, InFlightTrade } from "../../domain/index.ts";
import { countPrecedingTouches, type ExecutorCodec } from "../calldata.ts";

/**
 * One trade's part of a mined transaction: the whole transaction on the EOA route; on the ERC-4337 route the logs of
 * its own operation within the bundle, and what the EntryPoint charged for it.
 */
export interface TradeSlice {
  success: boolean;
  logs: readonly Log[];
  gasUsed: bigint;
  /** Per gas: the receipt's effective price (EOA), or what the EntryPoint charged the paymaster (ERC-4337). */
  effectiveGasPrice: bigint;
  /** The earlier operations of the same bundle, each as its logs, in order (none on the EOA route). */
  earlierOperations: readonly (readonly Log[])[];
  /** Whether the trade pays the transaction's L1 data fee (OP-stack), read from the receipt: the EOA's own transaction. */
  l1Fee: boolean;
}

export class MinedTrades {
  /** The block each followed trade was last seen mined in, until it is final (see minedIn). */
  private readonly mined = new Map<string, number>();

  constructor(
    private readonly provider: JsonRpcApiProvider,
    private readonly codec: ExecutorCodec,
    private readonly contract: string,
    private readonly confirmations: number,
    private readonly log?: Logger,
  ) {}

  /** The whole transaction as one trade (the EOA route). */
  static wholeTransaction(receipt: TransactionReceipt): TradeSlice {
    return {
      success: receipt.status === 1,
      logs: receipt.logs,
      gasUsed: receipt.gasUsed,
      // ethers reads effectiveGasPrice here: what the chain charged per gas, not the maximum the transaction offered.
      effectiveGasPrice: receipt.gasPrice,
      earlierOperations: [],
      l1Fee: true,
    };
  }

  /** The receipt's L1 data fee (OP-stack nodes add `l1Fee`; ethers drops it), or null where the chain has none. */
  private async l1FeeOf(hash: string): Promise<bigint | null> {
    const raw = (await this.provider.send("eth_getTransactionReceipt", [hash])) as { l1Fee?: string } | null;
    return raw?.l1Fee === undefined ? null : BigInt(raw.l1Fee);
  }

  /**
   * The block a trade was last seen mined in while it waited for its confirmations: it can be final at no head before
   * that block plus `confirmations`. Undefined when it was not seen mined (or is final).
   */
  minedIn(tradeId: string): number | undefined {
    return this.mined.get(tradeId);
  }

  /** The outcome once the receipt's block is deep enough and canonical; null until then (or after a reorg). */
  async outcome(trade: InFlightTrade, receipt: TransactionReceipt, slice: TradeSlice): Promise<FinalOutcome | null> {
    const outcome = await this.deepOutcome(trade, receipt, slice);
    if (outcome) this.mined.delete(trade.id);
    else this.mined.set(trade.id, receipt.blockNumber);
    return outcome;
  }

  private async deepOutcome(
    trade: InFlightTrade,
    receipt: TransactionReceipt,
    slice: TradeSlice,
  ): Promise<FinalOutcome | null> {
    if (this.confirmations > 0) {
      if ((await this.provider.getBlockNumber()) < receipt.blockNumber + this.confirmations) return null;
      const block = await this.provider.getBlock(receipt.blockNumber);
      if (block?.hash !== receipt.blockHash) {
        this.log?.warn(
          { trade: trade.id, block: receipt.blockNumber },
          "trade orphaned by a reorg: following it again",
        );
        return null;
      }
    }
    // Everything that ran on the pools after the block the trade was priced on, up to the trade itself: one block
    // on the EOA route (its deadline), possibly more for a user operation waiting for its bundle.
    const poolLogs = await this.provider.getLogs({
      fromBlock: Math.min(trade.orderBlock + 1, receipt.blockNumber),
      toBlock: receipt.blockNumber,
      address: trade.pools,
    });
    const route = new Set(trade.pools.map((p) => p.toLowerCase()));
    // Each earlier operation of the same bundle that touched the pools ran ahead of this trade as a transaction would.
    const touches = (logs: readonly Log[]) => logs.some((l) => route.has(l.address.toLowerCase()));
    const aheadInBundle = slice.earlierOperations.filter(touches).length;
    const precededBy = countPrecedingTouches(poolLogs, trade.pools, receipt.index, receipt.blockNumber) + aheadInBundle;
    return {
      status: slice.success ? "confirmed" : "reverted",
      txHash: receipt.hash,
      realizedProfit: slice.success ? this.codec.tradeProfit(slice.logs, this.contract) : null,
      gasUsed: slice.gasUsed,
      effectiveGasPrice: slice.effectiveGasPrice,
      l1FeeWei: slice.l1Fee ? await this.l1FeeOf(receipt.hash) : null,
      precededBy,
      blockNumber: receipt.blockNumber,
    };
  }
}
