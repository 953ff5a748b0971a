/**
 * Uniswap-V3 on the devnet with the published v3-core bytecode: the factory (its three default fee tiers plus the
 * 1 bp tier, which governance later enabled on mainnet), pools initialised at a price, and liquidity positions.
 * Transactions go from unlocked devnet accounts under automine, as the rest of the deployment.
 */
import { Interface } from "ethers";
import { loadArtifacts } from "../../contracts/index.ts";
import { call, deploy, send } from "../deploy.ts";
import type { Eip1193 } from "../eip1193.ts";

/** Fee (hundredths of a bp) -> tick spacing, as the deployed factory enables them. */
export const V3_FEE_TIERS: ReadonlyMap<number, number> = new Map([
  [100, 1],
  [500, 10],
  [3000, 60],
  [10000, 200],
]);

export interface V3Deployment {
  factory: string;
  /** Router that pays V3 callbacks from its caller: liquidity for the deployer, swaps for the traders. */
  router: string;
}

async function interfaces() {
  const a = await loadArtifacts();
  return {
    artifacts: a,
    factory: new Interface(a.UniswapV3Factory.abi),
    pool: new Interface(a.UniswapV3Pool.abi),
    router: new Interface(a.V3SimRouter.abi),
  };
}

export async function deployV3(chain: Eip1193, deployer: string): Promise<V3Deployment> {
  const { artifacts, factory, router } = await interfaces();
  const factoryAddress = await deploy(chain, deployer, artifacts.UniswapV3Factory.bytecode, factory, []);
  await send(chain, deployer, factoryAddress, factory.encodeFunctionData("enableFeeAmount", [100, 1]));
  const routerAddress = await deploy(chain, deployer, artifacts.V3SimRouter.bytecode, router, []);
  return { factory: factoryAddress, router: routerAddress };
}

/** Creates the pool of two tokens at one fee tier and sets its first price; returns its address (lowercase). */
export async function createV3Pool(
  chain: Eip1193,
  deployer: string,
  factory: string,
  tokenA: string,
  tokenB: string,
  feePips: number,
  sqrtPriceX96: bigint,
): Promise<string> {
  const i = await interfaces();
  await send(chain, deployer, factory, i.factory.encodeFunctionData("createPool", [tokenA, tokenB, feePips]));
  const [address] = i.factory.decodeFunctionResult(
    "getPool",
    await call(chain, factory, i.factory.encodeFunctionData("getPool", [tokenA, tokenB, feePips])),
  );
  const pool = String(address).toLowerCase();
  await send(chain, deployer, pool, i.pool.encodeFunctionData("initialize", [sqrtPriceX96]));
  return pool;
}

/** Adds `liquidity` between two ticks, paid by `from` through the router (which `from` must have approved). */
export async function mintV3Position(
  chain: Eip1193,
  from: string,
  router: string,
  pool: string,
  tickLower: number,
  tickUpper: number,
  liquidity: bigint,
): Promise<void> {
  const i = await interfaces();
  await send(chain, from, router, i.router.encodeFunctionData("mint", [pool, from, tickLower, tickUpper, liquidity]));
}
