import { z } from "zod";
import type { Mode } from "./mode.ts";
import type { FlashSource, PoolProtocol } from "./order.ts";

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

/** How a live trade reaches the chain: a transaction from the executor's EOA, or an ERC-4337 user operation. */
export const executionRouteSchema = z.enum(["eoa", "erc4337"]);
export type ExecutionRouteKind = z.output<typeof executionRouteSchema>;

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
  /** The run's execution route; absent means "eoa" (rows and messages from before the ERC-4337 route). */
  route?: ExecutionRouteKind;
  /** Where the capital came from; null: no source could fund the order; absent: rows from before lenders. */
  flashSource?: FlashSource | null;
  /** Each pool's protocol; absent: all Uniswap-V2. */
  protocols?: PoolProtocol[];
}

interface LiveIntentBase extends TradeBase {
  mode: "live";
  /** The sending account, lowercase: the EOA, or the smart account on the ERC-4337 route. */
  account: string;
  /** EOA: the transaction nonce. ERC-4337: the EntryPoint nonce key of the operation (its sequence is always 0). */
  nonce: number;
  /**
   * The contract reverts after this block, and after this block timestamp (unix seconds), so an intent never
   * broadcast can be declared dropped once either passes. Null: no such deadline (no block deadline on Arbitrum,
   * where block.number is not the L2 block; no time deadline on rows journaled before there was one).
   */
  deadlineBlock: number | null;
  deadlineAt: number | null;
}

/**
 * A live trade written BEFORE its transaction is broadcast. The transaction is already signed, so its hash is known
 * here: a crash after broadcast but before markSent still leaves a hash to look up.
 */
export interface EoaIntent extends LiveIntentBase {
  route?: "eoa";
  txHash: string;
}

/**
 * A live trade on the ERC-4337 route, written BEFORE its user operation goes to the bundler. The operation is signed
 * and sponsored already, so its hash is known; the transaction hash is known only once a bundle includes it.
 */
export interface UserOpIntent extends LiveIntentBase {
  route: "erc4337";
  userOpHash: string;
  txHash: null;
}

export type LiveIntent = EoaIntent | UserOpIntent;

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
  /** A rejection that is a verdict on the order, not a failure (see TradeVerdict); absent for any other trade. */
  verdict?: TradeVerdict;
}

/**
 * Why a rejected trade counts as no failure for the risk ledger's breaker: its funding leaves less than minProfit
 * (`unprofitable`), or its deadline had passed when it was simulated (`expired`: the order came too late, nothing
 * was sent, nothing is wrong with the route).
 */
export type TradeVerdict = "unprofitable" | "expired";

export interface FinalOutcome {
  status: FinalStatus;
  /** The including transaction, when the journal did not know it before (ERC-4337: the bundle's); else null. */
  txHash?: string | null;
  /** From the contract's trade event; null unless confirmed. */
  realizedProfit: bigint | null;
  gasUsed: bigint | null;
  /**
   * The receipt's effective gas price (base fee plus the tip paid, per gas); on the ERC-4337 route the price the
   * EntryPoint charged the paymaster (actualGasCost / actualGasUsed, exact), so gasUsed x this is the sponsor's cost.
   * Null unless mined.
   */
  effectiveGasPrice: bigint | null;
  /** OP-stack chains: the L1 data fee the receipt reports on top of L2 gas; null elsewhere or unless mined. */
  l1FeeWei: bigint | null;
  /** Transactions earlier in the same block that touched the route's pools; null unless mined. */
  precededBy: number | null;
  /** Block the transaction was mined in; null when dropped. */
  blockNumber: number | null;
}

/**
 * `replacedTxHashes`: earlier versions of an EOA transaction, oldest first. A stuck trade is re-signed on its nonce
 * with a higher fee and txHash becomes the new one, but any of these may still be the one mined. Empty otherwise.
 */
export type InFlightTrade = LiveIntent & { status: InFlightStatus; replacedTxHashes: string[] };
