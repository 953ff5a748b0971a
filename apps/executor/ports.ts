/**
 * What the executor consumes (an Order) and the persistence it needs (a TradeJournal). The journal is implemented
 * in PostgreSQL by apps/store; the executor only sees this interface.
 */
import { z } from "zod";

export type Mode = "sim" | "live";

/** Where a live trade is before its outcome is known. */
export type InFlightStatus = "pending" | "sent";
/** Outcomes of a trade; the session report shows only these. */
export type FinalStatus = "confirmed" | "reverted" | "dropped";
export type UnsentStatus = "simulated" | "rejected";
export type TradeStatus = InFlightStatus | FinalStatus | UnsentStatus;

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte hex address")
  .transform((a) => a.toLowerCase());
const uint = z
  .union([z.string().regex(/^[0-9]+$/, "must be a decimal string of base units"), z.bigint()])
  .transform((v) => BigInt(v));

/** An order as it travels on the bus: amounts as decimal strings (or bigints in-process), addresses any case. */
export const orderSchema = z
  .object({
    /** Idempotency key: one order per opportunity; a redelivered order with a known id is not executed again. */
    opportunityId: z.string().min(1),
    mode: z.enum(["sim", "live"]),
    epoch: z.number().int().nonnegative(),
    /** The block whose state the opportunity was computed on. */
    blockNumber: z.number().int().nonnegative(),
    baseToken: address,
    /** 2..3 Uniswap-V2 pools in route order. */
    pools: z.array(address).min(2).max(3),
    /** tokens[i] -> tokens[i+1] through pools[i]; tokens[0] === tokens[last] === baseToken. */
    tokens: z.array(address).min(3).max(4),
    amountIn: uint,
    predictedProfit: uint,
    minProfit: uint,
  })
  .refine((o) => o.tokens.length === o.pools.length + 1, { message: "tokens must have one more entry than pools" })
  .refine((o) => o.tokens[0] === o.baseToken && o.tokens[o.tokens.length - 1] === o.baseToken, {
    message: "tokens must start and end at baseToken",
  });

export type Order = z.output<typeof orderSchema>;
/** The wire form of an Order (JSON-safe). */
export type OrderMessage = z.input<typeof orderSchema>;

export function orderToMessage(o: Order): OrderMessage {
  return {
    ...o,
    amountIn: o.amountIn.toString(),
    predictedProfit: o.predictedProfit.toString(),
    minProfit: o.minProfit.toString(),
  };
}

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
  /** The contract reverts after this block, so an intent never broadcast can be declared dropped once it passes. */
  deadlineBlock: number;
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
  /** Transactions earlier in the same block that touched the route's pools; null unless mined. */
  precededBy: number | null;
  /** Block the transaction was mined in; null when dropped. */
  blockNumber: number | null;
}

export interface InFlightTrade extends LiveIntent {
  status: InFlightStatus;
}

export interface TradeJournal {
  /** Insert a live trade with status `pending`. Must be durable before it returns: the caller broadcasts next. */
  recordIntent(trade: LiveIntent): Promise<void>;
  /** pending -> sent. */
  markSent(id: string, txHash: string): Promise<void>;
  /** pending|sent -> confirmed|reverted|dropped. */
  markFinal(id: string, outcome: FinalOutcome): Promise<void>;
  /** Insert a `simulated` or `rejected` trade. */
  recordSimulated(trade: UnsentTrade): Promise<void>;
  /** Live trades of this account still `pending` or `sent`, lowest nonce first. */
  listInFlight(account: string): Promise<InFlightTrade[]>;
  /** Whether a trade exists for this opportunity (redelivered orders are skipped). */
  hasTradeFor(opportunityId: string): Promise<boolean>;
}
