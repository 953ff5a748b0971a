/**
 * Mixed Uniswap-V2/V3 cycles from discovery to the chain, on the devnet's own markets (real v3-core, v2-core, Aave V3
 * and Balancer V2 bytecode; its traders swapping in every pool): cycles the scanner finds at a block are decided by the
 * orchestrator's strategy (costed with the V3 hops' and the loan's gas) and executed by the live executor, which
 * borrows from the cheapest lender it is given. Each round gives it fewer lenders, so every source is used: every
 * trade is confirmed and realizes its prediction, less the chosen lender's fee, to the wei.
 */
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalChain } from "../chain/local-chain.ts";
import type { FailoverProvider } from "../chain/rpc.ts";
import { reservesOf } from "../chain/testing/v3-beside.ts";
import { readV3Pool } from "../chain/v3/pool-reader.ts";
import { initialControlState } from "../control/index.ts";
import { ArbitrageScanner } from "../core/index.ts";
import { ChainFlashLenders, flashFee, type FlashLenderBook, type TradeResult } from "../executor/index.ts";
import { routeGas, type Candidate, type FlashSource } from "../domain/index.ts";
import { decide, RiskLedger } from "../orchestrator/index.ts";
import { toCandidates } from "../scanner/index.ts";
import { DEFAULT_GAS_MODEL, EXECUTOR_TIP_WEI } from "../services/index.ts";
import { listTrades } from "../store/index.ts";
import { recordOrders } from "../store/testing/orders.ts";
import { devnetExecutor, openDevnetFixture, type DevnetFixture } from "../executor/testing/devnet-executor.ts";

let fixture: DevnetFixture | undefined;
let chain: LocalChain;
let provider: FailoverProvider;
let pool: pg.Pool;
let base: string;
const since = new Date(Date.now() - 60_000);

beforeAll(async () => {
  fixture = await openDevnetFixture(3);
  ({ chain, provider, pool } = fixture);
  base = chain.markets.baseToken;
}, 300_000);

afterAll(async () => {
  await fixture?.close();
});

/** The scanner's full scan of the devnet's markets at the head: its cycles through at least one V3 pool, of up to 3 pools. */
async function mixedCandidates(): Promise<Candidate[]> {
  const block = (await provider.getBlock("latest"))!;
  const [pools, v3Pools] = await Promise.all([
    Promise.all(
      chain.markets.pools.map(async (p) => {
        const [reserve0, reserve1] = await reservesOf(chain.devnet.provider, p.address);
        return { ...p, reserve0, reserve1 };
      }),
    ),
    Promise.all(
      chain.markets.v3!.pools.map(async (p) => ({
        ...p,
        state: await readV3Pool(provider, p.address, { blockTag: block.number }),
      })),
    ),
  ]);
  const scanner = new ArbitrageScanner({
    tokens: chain.markets.tokens,
    pools,
    v3Pools,
    baseTokens: [base],
    maxHops: 3,
  });
  const found = scanner.fullScan().filter((o) => o.protocols !== undefined);
  return toCandidates({ number: block.number, hash: block.hash! }, found);
}

describe("mixed V2/V3 cycles on the devnet, from sizing to a confirmed trade", () => {
  it("each flash source realizes the prediction less its fee to the wei; the cheapest lender at hand is chosen", async () => {
    const aave = chain.markets.aaveV3!;
    const lenders = new ChainFlashLenders(provider, {
      aaveV3Pool: aave.pool,
      balancerVault: chain.markets.balancerV2!.vault,
      v3Pools: chain.markets.v3!.pools,
    });
    // The devnet's cheapest V3 lender of the base token: the 5 bp WETH/USDC pool (the others charge 30 and 100 bp).
    const cheapV3 = chain.markets.v3!.pools.find((p) => p.feePips === 500)!;
    // Rounds with fewer lenders: the same real lenders, some withheld from the executor.
    let offered: ReadonlySet<FlashSource> = new Set();
    const book: FlashLenderBook = {
      lenders: async (token, blockNumber) =>
        (await lenders.lenders(token, blockNumber)).filter((l) => offered.has(l.source)),
    };
    const executor = await devnetExecutor(chain, provider, pool, book, EXECUTOR_TIP_WEI);
    const control = initialControlState(new Date(), { mode: "live" });
    const ledger = new RiskLedger();
    const rounds: { offered: FlashSource[]; expect: (pools: readonly string[]) => FlashSource }[] = [
      { offered: ["balancer", "aave-v3", "v3-flash"], expect: () => "balancer" },
      // Aave's 5 bp premium ties the 5 bp V3 pool's fee, and its loan burns more gas; a pool in the route is locked.
      {
        offered: ["aave-v3", "v3-flash"],
        expect: (pools) => (pools.includes(cheapV3.address) ? "aave-v3" : "v3-flash"),
      },
      { offered: ["aave-v3"], expect: () => "aave-v3" },
    ];
    const trades: TradeResult[] = [];
    let refused = 0;
    for (let round = 0; round < 9; round++) {
      const r = rounds[round % rounds.length]!;
      offered = new Set(r.offered);
      await chain.simulator.step();
      await chain.devnet.mine();
      const head = await provider.getBlock("latest");
      const candidates = await mixedCandidates();
      const { orders } = decide(
        {
          candidates,
          control,
          storeHealthy: true,
          market: {
            latestBlock: head!.number,
            gasPriceWei: head!.baseFeePerGas! + EXECUTOR_TIP_WEI,
            basePerNative: { [base]: { num: 1n, den: 1n } },
          },
          gas: DEFAULT_GAS_MODEL,
          now: new Date(),
        },
        ledger,
      );
      // Recorded before they go to the executor, as the orchestrator service records them.
      await recordOrders(pool, orders);
      const submissions = await Promise.all(orders.map((o) => executor.submit(o)));
      await chain.devnet.mine();
      for (const s of submissions) {
        const result = s.kind === "sent" ? await s.final : s.kind === "done" ? s.result : null;
        if (result === null) throw new Error("an order of this run was taken for a redelivery");
        const order = orders.find((o) => o.opportunityId === result.order.opportunityId)!;
        const candidate = candidates.find((c) => c.id === order.opportunityId)!;
        const source = order.protocols![0] === "uniswap-v2" ? "v2-flash-swap" : r.expect(order.pools);
        const fee =
          source === "aave-v3"
            ? flashFee({ kind: "aave-bps", bps: BigInt(aave.premiumBps) }, order.amountIn)
            : source === "v3-flash"
              ? flashFee({ kind: "v3-pips", pips: cheapV3.feePips }, order.amountIn)
              : 0n;
        expect(result.flashSource).toBe(source);
        if (candidate.profit - fee < order.minProfit) {
          // The orchestrator costs the loan's gas, not a fee it cannot know: the executor refuses what the fee sinks.
          expect(result).toMatchObject({
            status: "rejected",
            txHash: null,
            routeReverted: false,
            verdict: "unprofitable",
          });
          refused++;
        } else {
          expect(result).toMatchObject({ status: "confirmed", precededBy: 0 });
          expect(result.realizedProfit).toBe(candidate.profit - fee);
          // The orchestrator's gas model never understates: the V3 hops at their own gas, a V3-first route a loan's.
          expect(result.gasUsed).toBeLessThanOrEqual(routeGas(order.protocols!, DEFAULT_GAS_MODEL));
          trades.push(result);
        }
        // The outcome settles the strategy's ledger, as the trades topic does: the pools are free for the next round.
        const netWei = (result.realizedProfit ?? 0n) - (result.gasCostWei ?? 0n);
        ledger.settled(
          { opportunityId: order.opportunityId, status: result.status, netWei, verdict: result.verdict },
          new Date(),
        );
      }
    }
    const sources = new Set(trades.map((t) => t.flashSource));
    expect([...sources].sort()).toEqual(["aave-v3", "balancer", "v2-flash-swap", "v3-flash"]);
    console.log(`${trades.length} mixed trades confirmed, ${refused} refused for their loan's fee`);
    // The journal holds each trade's source and route, as the session report shows them.
    const rows = await listTrades(pool, "live", 1, since);
    for (const t of trades) {
      expect(rows.find((row) => row.id === t.id)).toMatchObject({
        flashSource: t.flashSource,
        protocols: t.order.protocols,
        realizedProfit: t.realizedProfit,
      });
    }
  });
});
