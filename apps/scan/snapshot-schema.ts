import { z } from "zod";

/** Pool snapshot, schema v1 (shared/DESIGN.md "Pool snapshot"). Amounts are decimal strings of base units. */
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte hex address");
const baseUnits = z.string().regex(/^[0-9]+$/, "must be a non-negative integer in base units (a decimal string)");

export const tokenSchema = z.object({
  address,
  symbol: z.string().min(1, "must not be empty"),
  decimals: z.number().int("must be an integer").min(0, "must be 0..255").max(255, "must be 0..255"),
});

export const poolSchema = z.object({
  address,
  dex: z.string().min(1, "must not be empty"),
  protocol: z.literal("uniswap-v2", { errorMap: () => ({ message: 'must be "uniswap-v2"' }) }),
  token0: address,
  token1: address,
  reserve0: baseUnits,
  reserve1: baseUnits,
  feeBps: z
    .number()
    .int("must be an integer 0..9999")
    .min(0, "must be an integer 0..9999")
    .max(9999, "must be an integer 0..9999"),
});

export const snapshotSchema = z.object({
  chainId: z.number().int("must be an integer").positive("must be positive"),
  blockNumber: z.number().int("must be an integer").nonnegative("must not be negative"),
  tokens: z.array(tokenSchema),
  baseTokens: z.array(address).min(1, "must name at least one base token"),
  pools: z.array(poolSchema),
});

export type SnapshotV1 = z.infer<typeof snapshotSchema>;
