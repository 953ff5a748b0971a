/**
 * The outcome of a trade whose transaction is mined, shared by both routes: final only once the block is
 * `confirmations` deep and still canonical; profit from the executor contract's Trade event; how many transactions
 * ahead of it in the block touched its pools.
 */
import { toQuantity, type JsonRpcApiProvider, type Log, type TransactionReceipt } from "ethers";
import type { Logger } from "pino";
import type { FinalOutcome, InFlightTrade } from "../../domain/index.ts";
import { countPrecedingTouches, type ExecutorCodec } from "../calldata.ts";
import { resultOf, rpcBatch } from "../../chain/index.ts";

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

/** A log as eth_getLogs answers it: only what counting the transactions ahead of a trade needs. */
interface RawLog {
  address: string;
  transactionIndex: string;
  blockNumber: string;
}

export class MinedTrades {
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

  /**
   * The outcome once the receipt's block is deep enough and canonical; null until then (or after a reorg). Its reads go
   * as one batch: the head and the block's hash (with confirmations), the pool logs up to the trade, the raw receipt's
   * L1 fee. One after another they were four round trips on the node the next orders share.
   */
  async outcome(trade: InFlightTrade, receipt: TransactionReceipt, slice: TradeSlice): Promise<FinalOutcome | null> {
    const deep = this.confirmations > 0;
    const reads: Record<string, { method: string; params: unknown[] }> = {
      // Everything that ran on the pools after the block the trade was priced on, up to the trade itself: one block
      // on the EOA route (its deadline), possibly more for a user operation waiting for its bundle.
      logs: {
        method: "eth_getLogs",
        params: [
          {
            fromBlock: toQuantity(Math.min(trade.orderBlock + 1, receipt.blockNumber)),
            toBlock: toQuantity(receipt.blockNumber),
            address: trade.pools,
          },
        ],
      },
      // The raw receipt: OP-stack nodes add its L1 data fee (`l1Fee`), which ethers drops.
      ...(slice.l1Fee ? { raw: { method: "eth_getTransactionReceipt", params: [receipt.hash] } } : {}),
      ...(deep
        ? {
            head: { method: "eth_blockNumber", params: [] },
            block: { method: "eth_getBlockByNumber", params: [toQuantity(receipt.blockNumber), false] },
          }
        : {}),
    };
    const names = Object.keys(reads);
    const answers = await rpcBatch(this.provider, Object.values(reads));
    const answer = (name: string) => resultOf(answers[names.indexOf(name)]);
    if (deep) {
      if (Number(BigInt(answer("head") as string)) < receipt.blockNumber + this.confirmations) return null;
      if ((answer("block") as { hash?: string } | null)?.hash !== receipt.blockHash) {
        this.log?.warn(
          { trade: trade.id, block: receipt.blockNumber },
          "trade orphaned by a reorg: following it again",
        );
        return null;
      }
    }
    const poolLogs = (answer("logs") as RawLog[]).map((l) => ({
      address: l.address,
      transactionIndex: Number(BigInt(l.transactionIndex)),
      blockNumber: Number(BigInt(l.blockNumber)),
    }));
    const route = new Set(trade.pools.map((p) => p.toLowerCase()));
    // Each earlier operation of the same bundle that touched the pools ran ahead of this trade as a transaction would.
    const touches = (logs: readonly Log[]) => logs.some((l) => route.has(l.address.toLowerCase()));
    const aheadInBundle = slice.earlierOperations.filter(touches).length;
    const precededBy = countPrecedingTouches(poolLogs, trade.pools, receipt.index, receipt.blockNumber) + aheadInBundle;
    // Null where the chain has no L1 fee.
    const l1Fee = slice.l1Fee ? (answer("raw") as { l1Fee?: string } | null)?.l1Fee : undefined;
    return {
      status: slice.success ? "confirmed" : "reverted",
      txHash: receipt.hash,
      realizedProfit: slice.success ? this.codec.tradeProfit(slice.logs, this.contract) : null,
      gasUsed: slice.gasUsed,
      effectiveGasPrice: slice.effectiveGasPrice,
      l1FeeWei: l1Fee === undefined ? null : BigInt(l1Fee),
      precededBy,
      blockNumber: receipt.blockNumber,
    };
  }
}
