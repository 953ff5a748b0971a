import { z } from "zod";
import type { Mode } from "./mode.ts";

/** Where a live trade is before its outcome is known. */
export type InFlightStatus = "pending" | "sent";
/** Outcomes of a broadcast trade. */
export const finalStatusSchema = z.enum(["confirmed", "reverted", "dropped"]);
export type FinalStatus = z.output<typeof finalStatusSchema>;
/** Trades that were never broadcast. */
export const unsentStatusSchema = z.enum(["simulated", "rejected"]);
export type UnsentStatus = z.output<typeof unsentStatusSchema>;
/** What the session report and the trades topic show: a trade that is done, sent or not. */
export const settledStatusSchema = z.enum([...finalStatusSchema.options, ...unsentStatusSchema.options]);
export type SettledStatus = z.output<typeof settledStatusSchema>;
export type TradeStatus = InFlightStatus | SettledStatus;

/** Fields every trade row carries. */
export interface TradeBase {
  /** Trade id (uuid), chosen by the executor. */
  id: string;
  opportunityId: string;
  mode: Mode;
  epoch: number;
  /** Block the order was computed on. */
  orderBlock: number;
  baseToken: string;
  pools: string[];
  tokens: string[];
  amountIn: bigint;
  predictedProfit: bigint;
  minProfit: bigint;
}

/**
 * A live trade written BEFORE its transaction is broadcast. The transaction is already signed, so its hash is known
 * here: a crash after broadcast but before markSent still leaves a hash to look up.
 */
export interface LiveIntent extends TradeBase {
  mode: "live";
  /** The sending account (EOA), lowercase. */
  account: string;
  nonce: number;
  txHash: string;
  /**
   * The contract reverts after this block, and after this block timestamp (unix seconds), so an intent never
   * broadcast can be declared dropped once either passes. Null: no such deadline (no block deadline on Arbitrum,
   * where block.number is not the L2 block; no time deadline on rows journaled before there was one).
   */
  deadlineBlock: number | null;
  deadlineAt: number | null;
}

/** A trade that was never broadcast: simulated in sim mode, or rejected by the eth_call simulation in any mode. */
export interface UnsentTrade extends TradeBase {
  status: UnsentStatus;
  /** Block the eth_call simulation ran at. */
  blockNumber: number;
  /** Profit the simulation returned (null when it reverted). */
  simulatedProfit: bigint | null;
  gasEstimate: bigint | null;
  /** Why a trade was rejected (revert reason); null for simulated. */
  reason: string | null;
}

export interface FinalOutcome {
  status: FinalStatus;
  /** From the contract's trade event; null unless confirmed. */
  realizedProfit: bigint | null;
  gasUsed: bigint | null;
  /** The receipt's effective gas price (base fee plus the tip paid, per gas); null unless mined. */
  effectiveGasPrice: bigint | null;
  /** OP-stack chains: the L1 data fee the receipt reports on top of L2 gas; null elsewhere or unless mined. */
  l1FeeWei: bigint | null;
  /** Transactions earlier in the same block that touched the route's pools; null unless mined. */
  precededBy: number | null;
  /** Block the transaction was mined in; null when dropped. */
  blockNumber: number | null;
}

export interface InFlightTrade extends LiveIntent {
  status: InFlightStatus;
  /**
   * Earlier versions of this transaction, oldest first: a stuck trade is re-signed on its nonce with a higher fee and
   * txHash becomes the new one, but any of these may still be the one mined.
   */
  replacedTxHashes: string[];
}
