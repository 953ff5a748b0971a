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
  protocol: z.literal("uniswap-v2"),
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

const signedUnits = z.string().regex(/^-?[0-9]+$/, "must be an integer (a decimal string)");
const int = (min: number, max: number) =>
  z
    .number()
    .int(`must be an integer ${min}..${max}`)
    .min(min, `must be an integer ${min}..${max}`)
    .max(max, `must be an integer ${min}..${max}`);

/**
 * A Uniswap-V3 pool (optional addition to schema v1): its swap state at the snapshot's block. `ticks` must list
 * every initialized tick in the bitmap words `tickWords.from..to` (tick / tickSpacing / 256, floored); swaps are
 * quoted only while they stay inside those words.
 */
export const v3PoolSchema = z.object({
  address,
  dex: z.string().min(1, "must not be empty"),
  protocol: z.literal("uniswap-v3"),
  token0: address,
  token1: address,
  /** Fee in hundredths of a basis point (3000 = 0.30%). */
  feePips: int(0, 999_999),
  tickSpacing: int(1, 16_383),
  sqrtPriceX96: baseUnits,
  tick: int(-887_272, 887_272),
  liquidity: baseUnits,
  tickWords: z.object({ from: int(-32_768, 32_767), to: int(-32_768, 32_767) }),
  ticks: z.array(z.object({ tick: int(-887_272, 887_272), liquidityNet: signedUnits, liquidityGross: baseUnits })),
});

const anyPoolSchema = z.discriminatedUnion("protocol", [poolSchema, v3PoolSchema], {
  errorMap: (issue, ctx) =>
    issue.code === "invalid_union_discriminator"
      ? { message: 'must be "uniswap-v2" or "uniswap-v3"' }
      : { message: ctx.defaultError },
});

export const snapshotSchema = z.object({
  chainId: z.number().int("must be an integer").positive("must be positive"),
  blockNumber: z.number().int("must be an integer").nonnegative("must not be negative"),
  tokens: z.array(tokenSchema),
  baseTokens: z.array(address).min(1, "must name at least one base token"),
  pools: z.array(anyPoolSchema),
});

/** A snapshot file as parsed: its pools may be V2 or V3. */
export type SnapshotFile = z.infer<typeof snapshotSchema>;
export type V3PoolEntry = z.infer<typeof v3PoolSchema>;
/** What a V2-only writer (orion discover) produces. */
export type SnapshotV1 = Omit<SnapshotFile, "pools"> & { pools: z.infer<typeof poolSchema>[] };
