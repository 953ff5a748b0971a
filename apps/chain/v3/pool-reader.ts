/**
 * A full read of a Uniswap-V3 pool's swap state at one block: slot0 (price, tick), in-range liquidity, fee, tick
 * spacing, and every initialized tick in the bitmap words around the price. What the incremental log tracking starts
 * from, and returns to after a gap, a reorg or a price near the edge of the words read.
 */
import { AbiCoder, Interface } from "ethers";
import type { JsonRpcApiProvider } from "ethers";
import { TickTable } from "../../core/v3/index.ts";
import type { InitializedTick, V3PoolState } from "../../core/v3/index.ts";
import { loadArtifacts } from "../../contracts/index.ts";

export interface V3PoolRead extends V3PoolState {
  tickSpacing: number;
}

/** Bitmap words read on each side of the price's word by default: 3 words = 768 tick spacings each way. */
export const DEFAULT_WORD_RADIUS = 3;

const LENS_RESULT = ["uint256", "uint160", "int24", "uint128", "uint24", "int24", "int256", "int256", "int256[]"];

let lens: { bytecode: string; iface: Interface } | undefined;
async function lensOf(): Promise<{ bytecode: string; iface: Interface }> {
  if (!lens) {
    const { V3PoolLens } = await loadArtifacts();
    lens = { bytecode: V3PoolLens.bytecode, iface: new Interface(V3PoolLens.abi) };
  }
  return lens;
}

/**
 * One eth_call of the V3PoolLens creation code (nothing deployed): the pool's slot0, liquidity, fee and spacing, its
 * bitmap words within `wordRadius` of the price's word and each initialized tick in them. Reading each word and tick
 * with its own eth_call took one request per read (about 40 for a pool of the devnet), each queued at the node.
 */
export async function readV3Pool(
  provider: JsonRpcApiProvider,
  pool: string,
  options: { blockTag?: number | string; wordRadius?: number } = {},
): Promise<V3PoolRead> {
  const { bytecode, iface } = await lensOf();
  const blockTag = options.blockTag ?? "latest";
  const radius = options.wordRadius ?? DEFAULT_WORD_RADIUS;
  const data = bytecode + iface.encodeDeploy([pool, radius]).slice(2);
  const raw = await provider.call({ data, blockTag });
  const [readAt, sqrtPriceX96, tick, liquidity, fee, spacing, fromWord, toWord, flat] =
    AbiCoder.defaultAbiCoder().decode(LENS_RESULT, raw) as unknown as [
      bigint,
      bigint,
      bigint,
      bigint,
      bigint,
      bigint,
      bigint,
      bigint,
      bigint[],
    ];
  if (typeof blockTag === "number" && Number(readAt) !== blockTag) {
    throw new Error(`V3 lens read block ${readAt}, asked ${blockTag}`);
  }
  const ticks: InitializedTick[] = [];
  for (let i = 0; i + 2 < flat.length; i += 3) {
    ticks.push({ tick: Number(flat[i]), liquidityGross: flat[i + 1] as bigint, liquidityNet: flat[i + 2] as bigint });
  }
  const tickSpacing = Number(spacing);
  return {
    sqrtPriceX96,
    tick: Number(tick),
    liquidity,
    feePips: Number(fee),
    tickSpacing,
    ticks: new TickTable(tickSpacing, ticks, Number(fromWord), Number(toWord)),
  };
}
