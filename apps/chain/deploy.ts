/**
 * Deploys the devnet's world: test tokens, one Uniswap-V2 factory per DEX (real v2-core bytecode), the planned
 * pools with their liquidity, the Uniswap-V3 factory and pools (v3/), the traders' routers and balances, and the
 * arbitrage executor contract.
 */
import { Interface, MaxUint256 } from "ethers";
import { loadArtifacts } from "../contracts/index.ts";
import type { Eip1193 } from "./eip1193.ts";
import { call, deploy, deployAt, send } from "./unlocked.ts";
import type { MarketSpec } from "./markets.ts";
import { planPools, tokenAmount as tokenAmountOf } from "./markets.ts";
import { deployAaveV3 } from "./lenders/aave-v3.ts";
import type { DeployedAaveV3 } from "./lenders/aave-v3.ts";
import { deployBalancerV2 } from "./lenders/balancer-v2.ts";
import type { DeployedBalancerV2 } from "./lenders/balancer-v2.ts";
import { deployV3Markets } from "./v3/deploy-v3.ts";
import type { DeployedV3 } from "./v3/deploy-v3.ts";
import { planV3Pools } from "./v3/plan-v3.ts";

export interface DeployedToken {
  address: string;
  symbol: string;
  decimals: number;
}

export interface DeployedPool {
  address: string;
  dex: string;
  token0: string;
  token1: string;
  feeBps: number;
}

export interface DeployedMarkets {
  chainId: number;
  tokens: DeployedToken[];
  baseToken: string;
  /** fromBlock: the block the factory was deployed in. */
  dexes: { name: string; factory: string; feeBps: number; fromBlock: number }[];
  pools: DeployedPool[];
  /** The Uniswap-V3 DEX, when the spec has V3 pools. */
  v3?: DeployedV3;
  /** The Aave V3 market lending the base token, when the spec has one. */
  aaveV3?: DeployedAaveV3;
  /** The Balancer V2 Vault lending the base token, when the spec has one. */
  balancerV2?: DeployedBalancerV2;
  /** The simulated traders' one-transaction swap router. */
  router: string;
  /** owner: the cold admin (operator, treasury, sweep); operator: the account that sends trades. */
  executor: { address: string; owner: string; operator: string; treasury: string };
  traders: string[];
  /** Block after which everything above exists. */
  blockNumber: number;
}

export interface DeployOptions {
  spec: MarketSpec;
  seed: number;
  /** Unlocked devnet accounts (lowercase). */
  deployer: string;
  /** The executor contract's cold admin, and the hot account that sends its trades. */
  executorOwner: string;
  executorOperator: string;
  treasury: string;
  traders: string[];
  /** Each trader's balance of every token, in dollars. */
  traderBalanceUsd?: bigint;
}

export { send, deployAt, deploy, call } from "./unlocked.ts";

export async function deployMarkets(chain: Eip1193, options: DeployOptions): Promise<DeployedMarkets> {
  const artifacts = await loadArtifacts();
  const token = new Interface(artifacts.TestToken.abi);
  const factory = new Interface(artifacts.UniswapV2Factory.abi);
  const pair = new Interface(artifacts.UniswapV2Pair.abi);
  const { spec, deployer } = options;

  const tokens: DeployedToken[] = [];
  for (const t of spec.tokens) {
    const address = await deploy(chain, deployer, artifacts.TestToken.bytecode, token, [
      t.symbol,
      t.symbol,
      t.decimals,
    ]);
    tokens.push({ address, symbol: t.symbol, decimals: t.decimals });
  }
  const tokenBySymbol = new Map(tokens.map((t) => [t.symbol, t]));

  const dexes: DeployedMarkets["dexes"] = [];
  for (const d of spec.dexes) {
    const at = await deployAt(chain, deployer, artifacts.UniswapV2Factory.bytecode, factory, [deployer]);
    dexes.push({ name: d.name, factory: at.address, feeBps: d.feeBps, fromBlock: at.blockNumber });
  }
  const dexByName = new Map(dexes.map((d) => [d.name, d]));

  const pools: DeployedPool[] = [];
  for (const plan of planPools(spec, options.seed)) {
    const dex = dexByName.get(plan.dex);
    const a = tokenBySymbol.get(plan.tokenA);
    const b = tokenBySymbol.get(plan.tokenB);
    if (!dex || !a || !b) throw new Error(`pool plan ${plan.dex} ${plan.tokenA}/${plan.tokenB} names unknown parts`);
    await send(chain, deployer, dex.factory, factory.encodeFunctionData("createPair", [a.address, b.address]));
    const [pairAddress] = factory.decodeFunctionResult(
      "getPair",
      await call(chain, dex.factory, factory.encodeFunctionData("getPair", [a.address, b.address])),
    );
    const address = String(pairAddress).toLowerCase();
    await send(chain, deployer, a.address, token.encodeFunctionData("mint", [address, plan.amountA]));
    await send(chain, deployer, b.address, token.encodeFunctionData("mint", [address, plan.amountB]));
    await send(chain, deployer, address, pair.encodeFunctionData("mint", [deployer]));
    const [t0, t1] = [a.address, b.address].sort();
    pools.push({ address, dex: dex.name, token0: t0 as string, token1: t1 as string, feeBps: dex.feeBps });
  }

  const v3 =
    spec.v3Pools && spec.v3Pools.length > 0
      ? await deployV3Markets(
          chain,
          deployer,
          "uniswap-v3",
          planV3Pools(
            spec.v3Pools,
            spec.tokens,
            new Map(tokens.map((t) => [t.symbol, t.address])),
            spec.priceJitterPpm,
            options.seed,
          ),
        )
      : undefined;
  const base = tokenBySymbol.get(spec.baseToken);
  if (!base) throw new Error(`base token ${spec.baseToken} was not deployed`);
  const baseSpec = spec.tokens.find((t) => t.symbol === spec.baseToken) as MarketSpec["tokens"][number];
  const aaveV3 = spec.aaveV3
    ? await deployAaveV3(chain, deployer, [{ ...base, supply: tokenAmountOf(baseSpec, spec.aaveV3.supplyUsd) }])
    : undefined;
  const balancerV2 = spec.balancerV2
    ? await deployBalancerV2(
        chain,
        deployer,
        base.address,
        new Map([[base.address, tokenAmountOf(baseSpec, spec.balancerV2.fundUsd)]]),
      )
    : undefined;

  const router = await deploy(
    chain,
    deployer,
    artifacts.SimRouter.bytecode,
    new Interface(artifacts.SimRouter.abi),
    [],
  );
  const balanceUsd = options.traderBalanceUsd ?? 50_000_000n;
  for (const trader of options.traders) {
    for (const t of spec.tokens) {
      const address = tokenBySymbol.get(t.symbol)?.address as string;
      const amount = tokenAmountOf(t, balanceUsd);
      await send(chain, deployer, address, token.encodeFunctionData("mint", [trader, amount]));
      await send(chain, trader, address, token.encodeFunctionData("approve", [router, MaxUint256]));
      if (v3) await send(chain, trader, address, token.encodeFunctionData("approve", [v3.router, MaxUint256]));
    }
  }

  const executorAddress = await deploy(
    chain,
    deployer,
    artifacts.ArbExecutor.bytecode,
    new Interface(artifacts.ArbExecutor.abi),
    [options.executorOwner, options.executorOperator, options.treasury],
  );
  const chainId = Number(BigInt((await chain.request({ method: "eth_chainId" })) as string));
  const blockNumber = Number(BigInt((await chain.request({ method: "eth_blockNumber" })) as string));
  return {
    chainId,
    tokens,
    baseToken: base.address,
    dexes,
    pools,
    ...(v3 ? { v3 } : {}),
    ...(aaveV3 ? { aaveV3 } : {}),
    ...(balancerV2 ? { balancerV2 } : {}),
    router,
    executor: {
      address: executorAddress,
      owner: options.executorOwner,
      operator: options.executorOperator,
      treasury: options.treasury,
    },
    traders: options.traders,
    blockNumber,
  };
}
