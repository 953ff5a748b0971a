/**
 * Test support: Uniswap-V3 pools (v3-core bytecode) beside the devnet's V2 pairs, priced a chosen number of parts
 * per million off them, so that a route mixing a V3 and a V2 pool has a gap to close; and that route's exact quote.
 * Used by the contract and executor tests of the flash sources until the devnet's own V3 markets carry such gaps.
 */
import { Interface, MaxUint256 } from "ethers";
import { isqrt } from "../../core/bigint-math.ts";
import { MAX_TICK, getTickAtSqrtRatio, v3AmountOut } from "../../core/v3/index.ts";
import type { V3PoolState } from "../../core/v3/index.ts";
import { loadArtifacts } from "../../contracts/index.ts";
import { call, send } from "../unlocked.ts";
import type { Eip1193 } from "../eip1193.ts";
import { createV3Pool, deployV3, mintV3Position } from "../v3/deploy-v3.ts";
import type { V3Deployment } from "../v3/deploy-v3.ts";

/** The V3 factory and router, with `deployer` (the tokens' minter) holding and approving plenty of each token. */
export async function deployV3Beside(
  chain: Eip1193,
  deployer: string,
  tokens: readonly string[],
): Promise<V3Deployment> {
  const token = new Interface((await loadArtifacts()).TestToken.abi);
  const v3 = await deployV3(chain, deployer);
  for (const t of tokens) {
    await send(chain, deployer, t, token.encodeFunctionData("mint", [deployer, 1n << 200n]));
    await send(chain, deployer, t, token.encodeFunctionData("approve", [v3.router, MaxUint256]));
  }
  return v3;
}

export async function reservesOf(chain: Eip1193, pair: string): Promise<[bigint, bigint]> {
  const i = new Interface((await loadArtifacts()).UniswapV2Pair.abi);
  const [r0, r1] = i.decodeFunctionResult("getReserves", await call(chain, pair, i.encodeFunctionData("getReserves")));
  return [BigInt(r0), BigInt(r1)];
}

/**
 * A V3 pool beside a V2 pair of the same tokens, its price (token1 per token0) `ppm` parts per million above the
 * pair's (below for a negative ppm), about as deep: a full-range position, and one over +-100 tick spacings so that
 * the initialized ticks next to the price are within what readV3Pool reads.
 */
export async function v3PoolBeside(
  chain: Eip1193,
  deployer: string,
  v3: V3Deployment,
  pair: { address: string; token0: string; token1: string },
  fee: { pips: number; spacing: number },
  ppm: bigint,
): Promise<string> {
  const [r0, r1] = await reservesOf(chain, pair.address);
  // sqrt moves by half the price's ppm.
  const sqrtPrice = (isqrt((r1 << 192n) / r0) * (2_000_000n + ppm)) / 2_000_000n;
  const pool = await createV3Pool(chain, deployer, v3.factory, pair.token0, pair.token1, fee.pips, sqrtPrice);
  const full = Math.floor(MAX_TICK / fee.spacing) * fee.spacing;
  const liquidity = isqrt(r0 * r1);
  await mintV3Position(chain, deployer, v3.router, pool, -full, full, liquidity / 2n);
  const near = Math.floor(getTickAtSqrtRatio(sqrtPrice) / fee.spacing) * fee.spacing;
  const [lower, upper] = [near - 100 * fee.spacing, near + 100 * fee.spacing];
  await mintV3Position(chain, deployer, v3.router, pool, lower, upper, liquidity);
  return pool;
}

/**
 * Profit of selling `amountIn` of the base token into the V3 pool and the proceeds into the V2 pair (30 bps), exact
 * to the wei; -1 when the V3 pool cannot take it all.
 */
export function v3ThenV2Profit(
  v3: V3PoolState,
  pairReserves: readonly [bigint, bigint],
  baseIsToken0: boolean,
  amountIn: bigint,
): bigint {
  const mid = v3AmountOut(v3, baseIsToken0, amountIn);
  if (mid === null) return -1n;
  const [r0, r1] = pairReserves;
  const [reserveIn, reserveOut] = baseIsToken0 ? [r1, r0] : [r0, r1];
  return (mid * 9970n * reserveOut) / (reserveIn * 10_000n + mid * 9970n) - amountIn;
}

/** The best of a doubling ladder of sizes from 1e15: not the optimum (sizing is the scanner's job), enough to trade. */
export function ladderBest(profitOf: (amountIn: bigint) => bigint): bigint {
  let best = 10n ** 15n;
  for (let a = best; a < 10n ** 24n; a *= 2n) if (profitOf(a) > profitOf(best)) best = a;
  return best;
}
