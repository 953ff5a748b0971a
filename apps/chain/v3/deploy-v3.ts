/**
 * Uniswap-V3 on the devnet with the published v3-core bytecode: the factory (its three default fee tiers plus the
 * 1 bp tier, which governance later enabled on mainnet), pools initialised at a price, and liquidity positions.
 * Transactions go from unlocked devnet accounts under automine, as the rest of the deployment.
 */
import { Interface } from "ethers";
import { loadArtifacts } from "../../contracts/index.ts";
import { call, deploy, send } from "../unlocked.ts";
import type { Eip1193 } from "../eip1193.ts";

import { V3_FEE_TIERS } from "./plan-v3.ts";
import type { V3PoolPlan } from "./plan-v3.ts";
import type { V3PoolMeta } from "./v3-pool-state.ts";

export { V3_FEE_TIERS };

export interface V3Deployment {
  factory: string;
  /** Router that pays V3 callbacks from its caller: liquidity for the deployer, swaps for the traders. */
  router: string;
}

let parsed: ReturnType<typeof parseInterfaces> | undefined;

async function parseInterfaces() {
  const a = await loadArtifacts();
  return {
    artifacts: a,
    factory: new Interface(a.UniswapV3Factory.abi),
    pool: new Interface(a.UniswapV3Pool.abi),
    router: new Interface(a.V3SimRouter.abi),
  };
}

/** Parsed once per process: each pool and position asks, and parsing the V3 ABIs took 0.1 s a time. */
function interfaces(): ReturnType<typeof parseInterfaces> {
  parsed ??= parseInterfaces();
  return parsed;
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

/** A deployed pool is described as the log tracker needs it. */
export type DeployedV3Pool = V3PoolMeta;

/** The devnet's V3 DEX: its factory, the router the traders swap through, and its pools. */
export interface DeployedV3 extends V3Deployment {
  name: string;
  /** The block the factory was deployed in. */
  fromBlock: number;
  pools: DeployedV3Pool[];
}

/**
 * Deploys the factory and router, then each planned pool with its positions, paid by `deployer` (which is given and
 * approves enough of every token the plan uses).
 */
export async function deployV3Markets(
  chain: Eip1193,
  deployer: string,
  name: string,
  plans: readonly V3PoolPlan[],
): Promise<DeployedV3> {
  const { artifacts } = await interfaces();
  const token = new Interface(artifacts.TestToken.abi);
  const fromBlock = Number(BigInt((await chain.request({ method: "eth_blockNumber" })) as string)) + 1;
  const v3 = await deployV3(chain, deployer);
  const used = new Set(plans.flatMap((p) => [p.token0, p.token1]));
  for (const address of used) {
    // Far more than any plan's positions need: the seeding account is the devnet's, not a market participant.
    await send(chain, deployer, address, token.encodeFunctionData("mint", [deployer, 1n << 200n]));
    await send(chain, deployer, address, token.encodeFunctionData("approve", [v3.router, (1n << 256n) - 1n]));
  }
  const pools: DeployedV3Pool[] = [];
  for (const plan of plans) {
    const pool = await createV3Pool(
      chain,
      deployer,
      v3.factory,
      plan.token0,
      plan.token1,
      plan.feePips,
      plan.sqrtPriceX96,
    );
    for (const p of plan.positions) {
      await mintV3Position(chain, deployer, v3.router, pool, p.tickLower, p.tickUpper, p.liquidity);
    }
    pools.push({
      address: pool,
      dex: name,
      token0: plan.token0,
      token1: plan.token1,
      feePips: plan.feePips,
      tickSpacing: plan.tickSpacing,
    });
  }
  return { ...v3, name, fromBlock, pools };
}
