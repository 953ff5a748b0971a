import { z } from "zod";
import { modeSchema } from "./mode.ts";
import { address, blockNumber, uintOrBigint } from "./wire.ts";

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
    /** 2..3 Uniswap-V2 pools in route order. */
    pools: z.array(address).min(2).max(3),
    /** tokens[i] -> tokens[i+1] through pools[i]; tokens[0] === tokens[last] === baseToken. */
    tokens: z.array(address).min(3).max(4),
    amountIn: uintOrBigint,
    predictedProfit: uintOrBigint,
    minProfit: uintOrBigint,
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
