/**
 * V3 test markets for the tests of apps/chain/v3 and the executor: two 18-decimal tokens, the V3 factory and router,
 * and one pool per fee tier with random positions over many ticks. Seeded, so a failing case replays.
 */
import { Interface } from "ethers";
import { MAX_TICK, getSqrtRatioAtTick } from "../../core/v3/index.ts";
import { loadArtifacts } from "../../contracts/index.ts";
import { deploy, send } from "../unlocked.ts";
import type { Eip1193 } from "../eip1193.ts";
import type { Rng } from "../rng.ts";
import { V3_FEE_TIERS, createV3Pool, deployV3, mintV3Position } from "./deploy-v3.ts";
import type { V3Deployment } from "./deploy-v3.ts";

export interface V3TestMarket {
  v3: V3Deployment;
  /** token0 < token1 of every pool. */
  tokens: [string, string];
  /** One pool per fee tier, in V3_FEE_TIERS order. */
  pools: string[];
}

/** Deploys the market from `deployer` (an unlocked devnet account, under automine), which holds and approves 1e40 of each token. */
export async function deployV3TestMarket(chain: Eip1193, deployer: string, rng: Rng): Promise<V3TestMarket> {
  const artifacts = await loadArtifacts();
  const token = new Interface(artifacts.TestToken.abi);
  const v3 = await deployV3(chain, deployer);
  const tokens: string[] = [];
  for (const symbol of ["AAA", "BBB"]) {
    const address = await deploy(chain, deployer, artifacts.TestToken.bytecode, token, [symbol, symbol, 18]);
    await send(chain, deployer, address, token.encodeFunctionData("mint", [deployer, 10n ** 40n]));
    await send(chain, deployer, address, token.encodeFunctionData("approve", [v3.router, 2n ** 256n - 1n]));
    tokens.push(address);
  }
  const [t0, t1] = tokens.sort() as [string, string];
  const pools: string[] = [];
  for (const fee of V3_FEE_TIERS.keys()) pools.push(await seedPool(chain, deployer, v3, rng, t0, t1, fee));
  return { v3, tokens: [t0, t1], pools };
}

/**
 * A pool with a full-range position and positions of random width and size around a random price, spread over about
 * +-300 tick spacings.
 */
async function seedPool(
  chain: Eip1193,
  deployer: string,
  v3: V3Deployment,
  rng: Rng,
  token0: string,
  token1: string,
  feePips: number,
): Promise<string> {
  const spacing = V3_FEE_TIERS.get(feePips)!;
  const centre = (rng.int(40_000) - 20_000) * (rng.next() < 0.5 ? 1 : 5);
  const lowSqrt = getSqrtRatioAtTick(centre);
  const price =
    lowSqrt + BigInt(Math.floor(rng.next() * 1e6)) * ((getSqrtRatioAtTick(centre + 1) - lowSqrt) / 1_000_000n);
  const pool = await createV3Pool(chain, deployer, v3.factory, token0, token1, feePips, price);
  const base = Math.floor(centre / spacing);
  const tickAt = (offset: number) => (base + offset) * spacing;
  // Shared edges give ticks whose net liquidity cancels but which are still initialized (the swap stops there).
  const edges = Array.from({ length: 14 }, () => rng.int(600) - 300);
  // A full-range position, as most real pools have: past the dense ranges the price still meets liquidity.
  const full = Math.floor(MAX_TICK / spacing) * spacing;
  await mintV3Position(chain, deployer, v3.router, pool, -full, full, BigInt(Math.floor(rng.logUniform(1e16, 1e19))));
  for (let k = 0; k < 24; k++) {
    const a = rng.next() < 0.5 ? rng.pick(edges) : rng.int(600) - 300;
    let b = rng.next() < 0.5 ? rng.pick(edges) : rng.int(600) - 300;
    if (a === b) b = a + 1 + rng.int(40);
    const liquidity = BigInt(Math.floor(rng.logUniform(1e15, 1e21)));
    await mintV3Position(chain, deployer, v3.router, pool, tickAt(Math.min(a, b)), tickAt(Math.max(a, b)), liquidity);
  }
  return pool;
}
