/**
 * A full read of a Uniswap-V3 pool's swap state at one block: slot0 (price, tick), in-range liquidity, fee, tick
 * spacing, and every initialized tick in the bitmap words around the price. What the incremental log tracking starts
 * from, and returns to after a gap or a reorg.
 */
import { Interface } from "ethers";
import type { JsonRpcApiProvider } from "ethers";
import { TickTable, compress, wordOf } from "../../core/v3/index.ts";
import type { InitializedTick, V3PoolState } from "../../core/v3/index.ts";
import { loadArtifacts } from "../../contracts/index.ts";

export interface V3PoolRead extends V3PoolState {
  tickSpacing: number;
}

/** Bitmap words read on each side of the price's word by default: 3 words = 768 tick spacings each way. */
export const DEFAULT_WORD_RADIUS = 3;

let poolIface: Interface | undefined;
async function iface(): Promise<Interface> {
  poolIface ??= new Interface((await loadArtifacts()).UniswapV3Pool.abi);
  return poolIface;
}

export async function readV3Pool(
  provider: JsonRpcApiProvider,
  pool: string,
  options: { blockTag?: number | string; wordRadius?: number } = {},
): Promise<V3PoolRead> {
  const i = await iface();
  const blockTag = options.blockTag ?? "latest";
  const radius = options.wordRadius ?? DEFAULT_WORD_RADIUS;
  const read = async (fn: string, args: unknown[] = []) =>
    i.decodeFunctionResult(fn, await provider.call({ to: pool, data: i.encodeFunctionData(fn, args), blockTag }));
  const [slot0, liquidity, fee, spacing] = await Promise.all([
    read("slot0"),
    read("liquidity"),
    read("fee"),
    read("tickSpacing"),
  ]);
  const tickSpacing = Number(spacing[0]);
  const tick = Number(slot0[1]);
  const center = wordOf(compress(tick, tickSpacing));
  // int16 word positions: the bitmap cannot hold words beyond these.
  const fromWord = Math.max(-32768, center - radius);
  const toWord = Math.min(32767, center + radius);
  const words = await Promise.all(
    Array.from({ length: toWord - fromWord + 1 }, (_, k) => read("tickBitmap", [fromWord + k])),
  );
  const initialized: number[] = [];
  words.forEach((w, k) => {
    let bits = BigInt(w[0]);
    for (let bit = 0; bits !== 0n; bit++, bits >>= 1n) {
      if (bits & 1n) initialized.push(((fromWord + k) * 256 + bit) * tickSpacing);
    }
  });
  const ticks: InitializedTick[] = await Promise.all(
    initialized.map(async (t) => {
      const info = await read("ticks", [t]);
      return { tick: t, liquidityGross: BigInt(info[0]), liquidityNet: BigInt(info[1]) };
    }),
  );
  return {
    sqrtPriceX96: BigInt(slot0[0]),
    tick,
    liquidity: BigInt(liquidity[0]),
    feePips: Number(fee[0]),
    tickSpacing,
    ticks: new TickTable(tickSpacing, ticks, fromWord, toWord),
  };
}
