/**
 * What a discovery run remembers for the next one, beside its snapshot (`<out>.state.json`): the block it read at,
 * how many pairs (or V3 pools) each factory had, the pairs, V3 pools and tokens already judged. A later run reads only PairCreated logs
 * after that block, metadata and transfer probes only for new tokens. A state whose block is no longer on the chain
 * (a reorg, or another devnet) is ignored and the run starts over.
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { writeFileAtomic } from "../files/atomic-write.ts";

const address = z.string().regex(/^0x[0-9a-f]{40}$/);

const tokenSchema = z.union([
  z.object({ symbol: z.string(), decimals: z.number().int() }).strict(),
  z.object({ skipped: z.string() }).strict(),
]);
const verdictSchema = z.union([
  z.object({ kind: z.literal("ok") }),
  z.object({ kind: z.literal("taxed"), taxBps: z.number().int() }),
  z.object({ kind: z.literal("blocked"), reason: z.string() }),
]);

export const discoverStateSchema = z
  .object({
    schema: z.literal(1),
    chainId: z.number().int(),
    block: z.object({ number: z.number().int().nonnegative(), hash: z.string() }),
    /** Factory -> number of its pairs already known. */
    factories: z.record(z.number().int().nonnegative()),
    pairs: z.array(z.object({ address, dex: z.string(), token0: address, token1: address }).strict()),
    /** Uniswap-V3 pools from PoolCreated logs (optional: states written before V3 discovery have none). */
    v3Pools: z
      .array(
        z
          .object({
            address,
            dex: z.string(),
            token0: address,
            token1: address,
            feePips: z.number().int(),
            tickSpacing: z.number().int(),
          })
          .strict(),
      )
      .optional(),
    tokens: z.record(tokenSchema),
    transfers: z.record(verdictSchema),
  })
  .strict();

export type DiscoverState = z.infer<typeof discoverStateSchema>;

export const statePath = (out: string) => `${out}.state.json`;

/** The state beside `out`, or null when there is none or it does not parse (then the run starts over). */
export async function loadState(out: string): Promise<DiscoverState | null> {
  let text: string;
  try {
    text = await readFile(statePath(out), "utf8");
  } catch {
    return null;
  }
  try {
    const parsed = discoverStateSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export async function saveState(out: string, state: DiscoverState): Promise<void> {
  await writeFileAtomic(statePath(out), JSON.stringify(state) + "\n");
}
