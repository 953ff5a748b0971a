import type { ControlState } from "../control/index.ts";
import type { Candidate, GasModel, Order, Ratio } from "../domain/index.ts";

export type { Candidate, Ratio };

/** What the chain costs right now: gas price and each base token's value in native wei. */
export interface Market {
  /** Newest block the platform has seen; candidates computed on older state are stale. */
  latestBlock: number;
  /** Max fee per gas the executor would pay (base fee + tip), in wei. */
  gasPriceWei: bigint;
  /**
   * OP-stack chains: the L1 data fee the executor's transaction pays on top of its gas, by route length; a route
   * whose length is missing here pays none (an L1, Arbitrum).
   */
  l1FeeWeiByHops?: Record<string, bigint>;
  /** Base-token units per native wei; a base token missing here cannot be priced against gas and is rejected. */
  basePerNative: Record<string, Ratio>;
}

export type RejectReason =
  | "control-store-unavailable"
  | "trade-store-unavailable"
  | "kill-switch"
  | "circuit-open"
  | "daily-loss-limit"
  | "stale-state"
  | "no-gas-price"
  | "below-min-profit-after-gas"
  | "amount-above-limit"
  | "pool-in-flight"
  | "pool-quarantined"
  | "pool-already-ordered"
  | "exposure-limit";

export interface Rejection {
  opportunityId: string;
  reason: RejectReason;
}

export interface DecideInput {
  candidates: readonly Candidate[];
  /** null when the control store could not be read: halt, never assume a mode. */
  control: ControlState | null;
  /** false while PostgreSQL is unreachable: an order must never outrun its journal. */
  storeHealthy: boolean;
  market: Market;
  gas: GasModel;
  now: Date;
}

export interface Decision {
  orders: Order[];
  /** Each order's exposure in native wei, by opportunity id (recorded, so a restart can restore it). */
  exposureWei: Record<string, bigint>;
  rejections: Rejection[];
  /** Set when the whole block was refused (every candidate carries this reason). */
  halted: RejectReason | null;
}
