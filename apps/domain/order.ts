import { z } from "zod";
import { modeSchema } from "./mode.ts";
import { address, blockNumber, uintOrBigint } from "./wire.ts";

/** The AMM protocol of a pool in a route. */
export const poolProtocolSchema = z.enum(["uniswap-v2", "uniswap-v3"]);
export type PoolProtocol = z.output<typeof poolProtocolSchema>;

/** Where a trade's capital comes from for the length of its transaction. */
export const flashSourceSchema = z.enum(["v2-flash-swap", "v3-flash", "balancer", "aave-v3"]);
export type FlashSource = z.output<typeof flashSourceSchema>;

/** An order as it travels on the bus: amounts as decimal strings (or bigints in-process), addresses any case. */
export const orderSchema = z
  .object({
    /** Idempotency key: one order per opportunity; a redelivered order with a known id is not executed again. */
    opportunityId: z.string().min(1),
    mode: modeSchema,
    epoch: z.number().int().nonnegative(),
    /** The block whose state the opportunity was computed on. */
    blockNumber,
    baseToken: address,
    /** 2..4 pools in route order. */
    pools: z.array(address).min(2).max(4),
    /** tokens[i] -> tokens[i+1] through pools[i]; tokens[0] === tokens[last] === baseToken. */
    tokens: z.array(address).min(3).max(5),
    /** Each pool's protocol, in route order; absent: every pool is Uniswap-V2 (orders from before V3 pools). */
    protocols: z.array(poolProtocolSchema).min(2).max(4).optional(),
    amountIn: uintOrBigint,
    predictedProfit: uintOrBigint,
    minProfit: uintOrBigint,
  })
  .refine((o) => o.tokens.length === o.pools.length + 1, { message: "tokens must have one more entry than pools" })
  .refine((o) => o.protocols === undefined || o.protocols.length === o.pools.length, {
    message: "protocols must have one entry per pool",
  })
  .refine((o) => o.tokens[0] === o.baseToken && o.tokens[o.tokens.length - 1] === o.baseToken, {
    message: "tokens must start and end at baseToken",
  });

export type Order = z.output<typeof orderSchema>;
/** The wire form of an Order (JSON-safe). */
export type OrderMessage = z.input<typeof orderSchema>;

/** The protocol of each of the order's pools. */
export function orderProtocols(o: Pick<Order, "pools" | "protocols">): PoolProtocol[] {
  return o.protocols ?? o.pools.map(() => "uniswap-v2");
}

export function orderToMessage(o: Order): OrderMessage {
  return {
    ...o,
    amountIn: o.amountIn.toString(),
    predictedProfit: o.predictedProfit.toString(),
    minProfit: o.minProfit.toString(),
  };
}
