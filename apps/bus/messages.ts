import { z } from "zod";
import { orderSchema, orderToMessage, type Order, type OrderMessage } from "../executor/ports.ts";
import type { Topic } from "./types.ts";

/** Wire rules shared by every message: bigints are decimal strings, addresses lowercase hex. */
const uint = z
  .string()
  .regex(/^(0|[1-9]\d*)$/, "must be a non-negative integer as a decimal string")
  .transform((s) => BigInt(s));
const int = z
  .string()
  .regex(/^-?(0|[1-9]\d*)$/, "must be an integer as a decimal string")
  .transform((s) => BigInt(s));
const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "must be a 20-byte hex address")
  .transform((s) => s.toLowerCase());
const block = z.number().int().nonnegative();

const candidateSchema = z
  .object({
    id: z.string().min(1),
    blockNumber: block,
    baseToken: address,
    pools: z.array(address).min(2).max(4),
    tokens: z.array(address).min(3).max(5),
    amountIn: uint,
    amountOut: uint,
    profit: uint,
  })
  .strict();

/** One block's opportunities, published by the scanner once the block's pool state is applied. */
export const blockOpportunitiesSchema = z
  .object({
    blockNumber: block,
    /** performance.timeOrigin + performance.now() when the block was seen: the start of the latency clock. */
    seenAt: z.number().nonnegative(),
    /** Time the scanner waited for the node on this block; latency figures "excluding RPC" subtract it. */
    rpcMs: z.number().nonnegative(),
    gasPriceWei: uint,
    basePerNative: z.record(z.string(), z.object({ num: uint, den: uint }).strict()),
    candidates: z.array(candidateSchema),
  })
  .strict();

export type BlockOpportunities = z.output<typeof blockOpportunitiesSchema>;
type BlockOpportunitiesWire = z.input<typeof blockOpportunitiesSchema>;

export const opportunitiesTopic: Topic<BlockOpportunities, BlockOpportunitiesWire> = {
  name: "opportunities",
  schema: blockOpportunitiesSchema,
  encode: (b) => ({
    ...b,
    gasPriceWei: b.gasPriceWei.toString(),
    basePerNative: Object.fromEntries(
      Object.entries(b.basePerNative).map(([t, r]) => [t, { num: r.num.toString(), den: r.den.toString() }]),
    ),
    candidates: b.candidates.map((c) => ({
      ...c,
      amountIn: c.amountIn.toString(),
      amountOut: c.amountOut.toString(),
      profit: c.profit.toString(),
    })),
  }),
  key: (b) => `block:${b.blockNumber}`,
};

/** An order carries its block's latency clock so the executor can report block -> sent. */
export const orderEnvelopeSchema = z.object({ order: orderSchema, seenAt: z.number().nonnegative() }).strict();
export interface OrderEnvelope {
  order: Order;
  seenAt: number;
}

export const ordersTopic: Topic<OrderEnvelope, { order: OrderMessage; seenAt: number }> = {
  name: "orders",
  schema: orderEnvelopeSchema,
  encode: (e) => ({ order: orderToMessage(e.order), seenAt: e.seenAt }),
  key: (e) => e.order.opportunityId,
};

/** A trade's outcome, published by the executor; the orchestrator's risk ledger settles on it. */
export const tradeOutcomeSchema = z
  .object({
    tradeId: z.string().min(1),
    opportunityId: z.string().min(1),
    mode: z.enum(["sim", "live"]),
    epoch: z.number().int().nonnegative(),
    status: z.enum(["confirmed", "reverted", "dropped", "simulated", "rejected"]),
    /** Net result in native wei: profit valued in wei minus the gas paid (negative for a revert). */
    netWei: int,
  })
  .strict();
export type TradeOutcome = z.output<typeof tradeOutcomeSchema>;

export const tradesTopic: Topic<TradeOutcome, z.input<typeof tradeOutcomeSchema>> = {
  name: "trades",
  schema: tradeOutcomeSchema,
  encode: (t) => ({ ...t, netWei: t.netWei.toString() }),
  key: (t) => t.tradeId,
};
