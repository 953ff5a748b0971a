/**
 * ArbExecutor's capital sources and callbacks on the devnet, against the real protocol bytecode: a V2 flash swap, a
 * Uniswap-V3 pool's `flash` (v3-core) and an Aave V3 `flashLoanSimple` (@aave/core-v3) each fund the same kind of
 * trade and are repaid exactly (the lender's fee comes out of the profit, to the wei); a route mixing a V3 and a V2
 * pool realizes its off-chain prediction to the wei. Hostile fixtures (a fake V3 pool, a fake lender offering every
 * lender's entry point, callbacks from strangers, with other data, twice) are refused; sweep is the owner's alone;
 * no allowance survives a trade.
 */
import { AbiCoder, Interface, MaxUint256, ZeroAddress } from "ethers";
import type { JsonFragment } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { quoteOpportunity } from "../core/index.ts";
import type { Opportunity } from "../core/index.ts";
import { call, deploy, send } from "../chain/deploy.ts";
import { devAccounts } from "../chain/devnet.ts";
import type { DeployedAaveV3 } from "../chain/lenders/aave-v3.ts";
import { startLocalChain } from "../chain/local-chain.ts";
import type { LocalChain } from "../chain/local-chain.ts";
import { FailoverProvider, eip1193Transport } from "../chain/rpc.ts";
import { createArbitrage } from "../chain/testing/arbitrage.ts";
import { deployV3Beside, ladderBest, reservesOf, v3PoolBeside, v3ThenV2Profit } from "../chain/testing/v3-beside.ts";
import type { V3Deployment } from "../chain/v3/deploy-v3.ts";
import { readV3Pool } from "../chain/v3/pool-reader.ts";
import { balancerFlashFee } from "../chain/lenders/balancer-v2.ts";
import { flashFee } from "../executor/flash-source.ts";
import type { FlashSource } from "../domain/index.ts";
import { compileContracts, loadArtifacts } from "./index.ts";

let chain: LocalChain;
let provider: FailoverProvider;
let arb: Interface;
let token: Interface;
let aave: DeployedAaveV3;
let v3: V3Deployment;
/** A V3 pool of the base token that no route below uses: the V3 flash lender. */
let v3Lender: string;
/** V3 pools priced 2% off V2 pairs of the same tokens: mixed V3 -> V2 cycles, one per flash source tried. */
let v3Routes: { pool: string; v2Pool: string; other: string }[];
let v3Route: { pool: string; v2Pool: string; other: string };
let executor: string;
let operator: string;
let owner: string;
let base: string;
const stranger = devAccounts(6)[5]!.address;

const SOURCE_INDEX: Record<FlashSource, number> = { "v2-flash-swap": 0, "v3-flash": 1, balancer: 2, "aave-v3": 3 };
const V3_FEE = 3000;
const V3_LENDER_FEE = 500;

interface Route {
  pools: readonly string[];
  protocols?: readonly ("uniswap-v2" | "uniswap-v3")[];
  amountIn: bigint;
}

function executeData(r: Route, source: FlashSource, lender: string | null, minProfit = 0n): string {
  return arb.encodeFunctionData("execute", [
    base,
    r.pools.map((pool, i) => [
      pool,
      r.protocols?.[i] === "uniswap-v3" ? 1 : 0,
      r.protocols?.[i] === "uniswap-v3" ? 0 : 30,
    ]),
    r.amountIn,
    minProfit,
    [SOURCE_INDEX[source], lender ?? ZeroAddress],
    MaxUint256,
    MaxUint256,
  ]);
}

/** The custom error a call reverts with, decoded from the executor's ABI. */
async function revertOf(from: string, to: string, data: string): Promise<string> {
  try {
    await provider.call({ from, to, data });
  } catch (err) {
    const revertData = (err as { data?: string }).data;
    if (!revertData) throw err;
    return arb.parseError(revertData)?.name ?? `unknown ${revertData.slice(0, 10)}`;
  }
  throw new Error("expected a revert");
}

async function balanceOf(tokenAddress: string, holder: string): Promise<bigint> {
  return BigInt(
    token.decodeFunctionResult(
      "balanceOf",
      await call(chain.devnet.provider, tokenAddress, token.encodeFunctionData("balanceOf", [holder])),
    )[0],
  );
}

async function allowance(tokenAddress: string, holder: string, spender: string): Promise<bigint> {
  const data = token.encodeFunctionData("allowance", [holder, spender]);
  return BigInt(token.decodeFunctionResult("allowance", await call(chain.devnet.provider, tokenAddress, data))[0]);
}

/** Sends from an unlocked account (automine is on in this file) and returns the receipt's status and Trade event. */
async function trade(data: string): Promise<{ profit: bigint; source: number; gasUsed: bigint }> {
  const hash = (await provider.send("eth_sendTransaction", [
    { from: operator, to: executor, data, gas: "0x2dc6c0" },
  ])) as string;
  const receipt = await provider.getTransactionReceipt(hash);
  expect(receipt?.status).toBe(1);
  const events = receipt!.logs
    .filter((l) => l.address.toLowerCase() === executor)
    .map((l) => arb.parseLog(l))
    .filter((e) => e?.name === "Trade");
  expect(events).toHaveLength(1);
  return { profit: BigInt(events[0]!.args.profit), source: Number(events[0]!.args.source), gasUsed: receipt!.gasUsed };
}

/** The route's exact V2 profit before any fee, as the scanner predicts it. */
async function v2Arbitrage(): Promise<{ opportunity: Opportunity; predicted: bigint }> {
  const { opportunity, state } = await createArbitrage(chain, provider);
  const amounts = quoteOpportunity(opportunity, new Map(state.pools().map((p) => [p.address, p])));
  return { opportunity, predicted: (amounts[amounts.length - 1] as bigint) - opportunity.amountIn };
}

beforeAll(async () => {
  chain = await startLocalChain({ seed: 21 });
  await chain.devnet.setAutomine(true);
  provider = new FailoverProvider([eip1193Transport("devnet", chain.devnet.provider)], { chainId: 31337 });
  const artifacts = await loadArtifacts();
  arb = new Interface(artifacts.ArbExecutor.abi);
  token = new Interface(artifacts.TestToken.abi);
  ({ address: executor, operator, owner } = chain.markets.executor);
  base = chain.markets.baseToken;
  // The devnet's own Aave V3 market (deployMarkets), funded with the base token.
  aave = chain.markets.aaveV3!;
  v3 = await deployV3Beside(
    chain.devnet.provider,
    owner,
    chain.markets.tokens.map((t) => t.address),
  );
  const pairsOfBase = chain.markets.pools.filter(
    (p) => p.dex === "uniswap" && (p.token0 === base || p.token1 === base),
  );
  // Each route's V3 pool sells the base token 2% dearer than its V2 pair: base -> other on V3, back on V2.
  v3Routes = [];
  for (const routePair of [pairsOfBase[0]!, pairsOfBase[2]!]) {
    const dearer = routePair.token0 === base ? 20_000n : -20_000n;
    v3Routes.push({
      pool: await v3PoolBeside(chain.devnet.provider, owner, v3, routePair, { pips: V3_FEE, spacing: 60 }, dearer),
      v2Pool: routePair.address,
      other: routePair.token0 === base ? routePair.token1 : routePair.token0,
    });
  }
  v3Route = v3Routes[0]!;
  v3Lender = await v3PoolBeside(
    chain.devnet.provider,
    owner,
    v3,
    pairsOfBase[1]!,
    { pips: V3_LENDER_FEE, spacing: 10 },
    0n,
  );
}, 300_000);

afterAll(async () => {
  provider?.destroy();
  await chain?.close();
});

describe("flash sources: each funds a trade and is repaid exactly", () => {
  it("a V2 flash swap: the profit the off-chain quote predicts, to the wei", async () => {
    const { opportunity, predicted } = await v2Arbitrage();
    const t = await trade(executeData(opportunity, "v2-flash-swap", null, predicted));
    expect(t).toMatchObject({ profit: predicted, source: 0 });
  });

  it("a Uniswap-V3 flash: the pool gets back the loan plus its fee, the treasury the profit less that fee", async () => {
    const { opportunity, predicted } = await v2Arbitrage();
    const fee = flashFee({ kind: "v3-pips", pips: V3_LENDER_FEE }, opportunity.amountIn);
    expect(fee).toBeGreaterThan(0n);
    const lenderBefore = await balanceOf(base, v3Lender);
    const t = await trade(executeData(opportunity, "v3-flash", v3Lender, predicted - fee));
    expect(t).toMatchObject({ profit: predicted - fee, source: 1 });
    expect(await balanceOf(base, v3Lender)).toBe(lenderBefore + fee);
  });

  it("an Aave V3 flashLoanSimple: the reserve gets back the loan plus its premium, and no allowance is left", async () => {
    const { opportunity, predicted } = await v2Arbitrage();
    const premium = flashFee({ kind: "aave-bps", bps: BigInt(aave.premiumBps) }, opportunity.amountIn);
    expect(premium).toBeGreaterThan(0n);
    const aToken = aave.aTokens[base]!;
    const reserveBefore = await balanceOf(base, aToken);
    const t = await trade(executeData(opportunity, "aave-v3", aave.pool, predicted - premium));
    expect(t).toMatchObject({ profit: predicted - premium, source: 3 });
    expect(await balanceOf(base, aToken)).toBe(reserveBefore + premium);
    expect(await allowance(base, executor, aave.pool)).toBe(0n);
  });

  it("a Balancer V2 vault flash loan (its sources compiled, no fee): the vault gets back exactly what it lent", async () => {
    const vault = chain.markets.balancerV2!.vault;
    expect(await balancerFlashFee(chain.devnet.provider, vault)).toBe(0n);
    const { opportunity, predicted } = await v2Arbitrage();
    const vaultBefore = await balanceOf(base, vault);
    const t = await trade(executeData(opportunity, "balancer", vault, predicted));
    expect(t).toMatchObject({ profit: predicted, source: 2 });
    expect(await balanceOf(base, vault)).toBe(vaultBefore);
    // A loan larger than the vault holds is refused by the vault itself: BAL#528, INSUFFICIENT_FLASH_LOAN_BALANCE.
    const tooMuch = { ...opportunity, amountIn: vaultBefore + 1n };
    const refusal = await provider
      .call({ from: operator, to: executor, data: executeData(tooMuch, "balancer", vault) })
      .catch((err: { data?: string }) => err.data ?? "");
    expect(AbiCoder.defaultAbiCoder().decode(["string"], `0x${refusal.slice(10)}`)[0]).toBe("BAL#528");
  });

  it("a lender's fee larger than the profit reverts the trade (the premium is in the profit check)", async () => {
    const { opportunity, predicted } = await v2Arbitrage();
    const premium = flashFee({ kind: "aave-bps", bps: BigInt(aave.premiumBps) }, opportunity.amountIn);
    expect(
      await revertOf(operator, executor, executeData(opportunity, "aave-v3", aave.pool, predicted - premium + 1n)),
    ).toBe("InsufficientProfit");
  });

  it("a mixed V3 -> V2 cycle realizes the off-chain V3 and V2 quotes to the wei, funded by Aave or a V3 flash", async () => {
    for (const [source, lender, mixed] of [
      ["aave-v3", aave.pool, v3Routes[0]!],
      ["v3-flash", v3Lender, v3Routes[1]!],
    ] as const) {
      const state = await readV3Pool(provider, mixed.pool);
      const reserves = await reservesOf(chain.devnet.provider, mixed.v2Pool);
      const quote = (amountIn: bigint) => v3ThenV2Profit(state, reserves, base < mixed.other, amountIn);
      const amountIn = ladderBest(quote);
      const fee =
        source === "aave-v3"
          ? flashFee({ kind: "aave-bps", bps: BigInt(aave.premiumBps) }, amountIn)
          : flashFee({ kind: "v3-pips", pips: V3_LENDER_FEE }, amountIn);
      const predicted = quote(amountIn) - fee;
      expect(predicted).toBeGreaterThan(0n);
      const route: Route = { pools: [mixed.pool, mixed.v2Pool], protocols: ["uniswap-v3", "uniswap-v2"], amountIn };
      const t = await trade(executeData(route, source, lender, predicted));
      expect(t.profit).toBe(predicted);
      for (const tk of [base, mixed.other]) expect(await balanceOf(tk, executor)).toBe(0n);
      expect(await allowance(base, executor, aave.pool)).toBe(0n);
    }
  });

  it("prints each source's gas on the same trade (eth_estimateGas), the figures FLASH_SOURCE_GAS is set from", async () => {
    const { opportunity } = await v2Arbitrage();
    const gas: Record<string, bigint> = {};
    for (const [source, lender] of [
      ["v2-flash-swap", null],
      ["v3-flash", v3Lender],
      ["balancer", chain.markets.balancerV2!.vault],
      ["aave-v3", aave.pool],
    ] as const) {
      gas[source] = await provider.estimateGas({
        from: operator,
        to: executor,
        data: executeData(opportunity, source, lender),
      });
    }
    console.log(`flash source gas on a ${opportunity.pools.length}-hop V2 route:`, gas);
    expect(gas["v3-flash"]!).toBeGreaterThan(gas["v2-flash-swap"]!);
    expect(gas["aave-v3"]!).toBeGreaterThan(gas["v3-flash"]!);
  });
});

describe("routes the contract refuses before borrowing", () => {
  it("a V2 flash swap from a V3 first hop, a lender that is in the route, one hop or five", async () => {
    const route: Route = {
      pools: [v3Route.pool, v3Route.v2Pool],
      protocols: ["uniswap-v3", "uniswap-v2"],
      amountIn: 10n ** 18n,
    };
    expect(await revertOf(operator, executor, executeData(route, "v2-flash-swap", null))).toBe("BadRoute");
    expect(await revertOf(operator, executor, executeData(route, "v3-flash", v3Route.pool))).toBe("BadRoute");
    const one: Route = { pools: [v3Route.v2Pool], amountIn: 1n };
    expect(await revertOf(operator, executor, executeData(one, "aave-v3", aave.pool))).toBe("BadRoute");
    const five: Route = { pools: Array.from({ length: 5 }, () => v3Route.v2Pool), amountIn: 1n };
    expect(await revertOf(operator, executor, executeData(five, "aave-v3", aave.pool))).toBe("BadRoute");
  });
});

describe("forged callbacks", () => {
  const coder = AbiCoder.defaultAbiCoder();
  /** The executor's flash-callback data for a route through an attacker's address, as a forger would build it. */
  const forgedFlashData = () =>
    coder.encode(
      ["address", "tuple(address,uint8,uint16)[]", "uint256", "uint256"],
      [
        base,
        [
          [stranger, 0, 30],
          [stranger, 0, 30],
        ],
        10n ** 18n,
        0n,
      ],
    );

  it("outside any trade: every hook refuses a stranger, and a real pool's or lender's own address too", async () => {
    const hooks = [
      arb.encodeFunctionData("uniswapV3SwapCallback", [
        10n ** 18n,
        -1n,
        coder.encode(["address", "uint256"], [base, 10n ** 18n]),
      ]),
      arb.encodeFunctionData("uniswapV3FlashCallback", [0n, 0n, forgedFlashData()]),
      arb.encodeFunctionData("receiveFlashLoan", [[base], [10n ** 18n], [0n], forgedFlashData()]),
      arb.encodeFunctionData("executeOperation", [base, 10n ** 18n, 0n, executor, forgedFlashData()]),
      arb.encodeFunctionData("uniswapV2Call", [executor, 1n, 0n, forgedFlashData()]),
    ];
    for (const from of [stranger, v3Route.pool, v3Lender, aave.pool, v3Route.v2Pool]) {
      for (const data of hooks) expect(await revertOf(from, executor, data)).toBe("UnexpectedCallback");
    }
  });

  /** Deploys a test fixture compiled beside the contracts (not among the platform's own artifacts). */
  async function fixture(name: "HostileV3Pool" | "HostileLender", args: unknown[]): Promise<string> {
    const c = (await compileContracts())[name]!;
    return deploy(chain.devnet.provider, owner, c.bytecode, new Interface(c.abi as JsonFragment[]), args);
  }

  it("a fake V3 pool in the route: other data, a second callback (re-entry), more than its input, or none at all", async () => {
    const [t0, t1] = [base, v3Route.other].sort() as [string, string];
    const forged = coder.encode(["address", "uint256"], [base, 10n ** 30n]);
    for (const mode of [0, 1, 2, 3]) {
      const hostile = await fixture("HostileV3Pool", [t0, t1, mode, forged]);
      const route: Route = {
        pools: [hostile, v3Route.v2Pool],
        protocols: ["uniswap-v3", "uniswap-v2"],
        amountIn: 10n ** 18n,
      };
      expect(await revertOf(operator, executor, executeData(route, "aave-v3", aave.pool)), `mode ${mode}`).toBe(
        "UnexpectedCallback",
      );
    }
  });

  it("a fake lender behind each source: other data, the hook twice (re-entry), no hook, other terms", async () => {
    const { opportunity } = await v2Arbitrage();
    const [t0, t1] = [base, chain.markets.tokens.find((t) => t.address !== base)!.address].sort() as [string, string];
    const cases: [number, FlashSource][] = [
      [0, "v3-flash"],
      [0, "balancer"],
      [0, "aave-v3"],
      [1, "v3-flash"],
      [1, "balancer"],
      [1, "aave-v3"],
      [2, "v3-flash"],
      [2, "balancer"],
      [2, "aave-v3"],
      [3, "balancer"],
      [3, "aave-v3"],
    ];
    for (const [mode, source] of cases) {
      const lender = await fixture("HostileLender", [t0, t1, mode, forgedFlashData()]);
      // It lends for real, so that a refused hook is the executor's doing and not an empty balance's.
      await send(
        chain.devnet.provider,
        owner,
        base,
        token.encodeFunctionData("mint", [lender, opportunity.amountIn * 2n]),
      );
      expect(
        await revertOf(operator, executor, executeData(opportunity, source, lender)),
        `mode ${mode} ${source}`,
      ).toBe("UnexpectedCallback");
    }
  });

  it("the same fake lender, lending honestly as a Balancer vault does (no fee), funds the trade and is repaid", async () => {
    // The Balancer path end to end against the vault's contract shape: tokens out, hook, repayment checked here.
    const { opportunity, predicted } = await v2Arbitrage();
    const [t0, t1] = [base, chain.markets.tokens.find((t) => t.address !== base)!.address].sort() as [string, string];
    const lender = await fixture("HostileLender", [t0, t1, 4, "0x"]);
    await send(chain.devnet.provider, owner, base, token.encodeFunctionData("mint", [lender, opportunity.amountIn]));
    const t = await trade(executeData(opportunity, "balancer", lender, predicted));
    expect(t).toMatchObject({ profit: predicted, source: 2 });
    expect(await balanceOf(base, lender)).toBe(opportunity.amountIn);
  });
});

describe("the owner and the operator", () => {
  it("sweep: stray tokens go where the owner says; the operator and strangers cannot", async () => {
    await send(chain.devnet.provider, owner, base, token.encodeFunctionData("mint", [executor, 12_345n]));
    const sweep = arb.encodeFunctionData("sweep", [base, stranger, 12_345n]);
    expect(await revertOf(operator, executor, sweep)).toBe("NotOwner");
    expect(await revertOf(stranger, executor, sweep)).toBe("NotOwner");
    const before = await balanceOf(base, stranger);
    await send(chain.devnet.provider, owner, executor, sweep);
    expect(await balanceOf(base, stranger)).toBe(before + 12_345n);
    expect(await balanceOf(base, executor)).toBe(0n);
  });

  it("the owner replaces the operator; the old key is refused from then on", async () => {
    const { opportunity } = await v2Arbitrage();
    const data = executeData(opportunity, "v2-flash-swap", null);
    expect(await revertOf(operator, executor, arb.encodeFunctionData("setOperator", [stranger]))).toBe("NotOwner");
    await send(chain.devnet.provider, owner, executor, arb.encodeFunctionData("setOperator", [stranger]));
    expect(await revertOf(operator, executor, data)).toBe("NotOperator");
    const ret = await provider.call({ from: stranger, to: executor, data });
    expect(BigInt(arb.decodeFunctionResult("execute", ret)[0])).toBeGreaterThan(0n);
    await send(chain.devnet.provider, owner, executor, arb.encodeFunctionData("setOperator", [operator]));
  });
});
