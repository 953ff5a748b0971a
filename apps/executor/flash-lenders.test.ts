/**
 * The executor choosing each order's capital on the devnet: the lender book reads the devnet's Aave V3 market and a
 * V3 pool from the chain; a V2-first route flash-swaps, a V3-first route borrows from the cheapest lender able to
 * lend it; the trade realizes its prediction net of the fee to the wei, and the journal records the source.
 */
import { randomUUID } from "node:crypto";
import { Interface } from "ethers";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { send } from "../chain/deploy.ts";
import type { LocalChain } from "../chain/local-chain.ts";
import { FailoverProvider, eip1193Transport } from "../chain/rpc.ts";
import { createArbitrage } from "../chain/testing/arbitrage.ts";
import { recordingProvider } from "../chain/testing/recording-provider.ts";
import { deployV3Beside, ladderBest, reservesOf, v3PoolBeside, v3ThenV2Profit } from "../chain/testing/v3-beside.ts";
import { readV3Pool } from "../chain/v3/pool-reader.ts";
import { loadArtifacts } from "../contracts/index.ts";
import type { Order } from "../domain/index.ts";
import { listTrades } from "../store/index.ts";
import { Executor } from "./executor.ts";
import { ChainFlashLenders } from "./flash-lenders.ts";
import type { FlashLenderConfig } from "./flash-lenders.ts";
import { flashFee } from "./flash-source.ts";
import { HeadTicks } from "./heads.ts";
import { devnetExecutor, openDevnetFixture, type DevnetFixture } from "./testing/devnet-executor.ts";
import { recordOrders } from "../store/testing/orders.ts";
import { orderFor } from "./testing/orders.ts";

let fixture: DevnetFixture | undefined;
let chain: LocalChain;
let provider: FailoverProvider;
let pool: pg.Pool;
let base: string;
/** A V3 pool 2% off its V2 pair (the route), and a V3 pool of the base token priced at its pair's (a lender). */
let route: { v3: string; v2: string; other: string };
let v3Lender: { address: string; token0: string; token1: string };
let v3Router: string;
const since = new Date(Date.now() - 60_000);

beforeAll(async () => {
  fixture = await openDevnetFixture(5);
  ({ chain, provider, pool } = fixture);
  base = chain.markets.baseToken;
  const owner = chain.markets.executor.owner;
  await chain.devnet.setAutomine(true);
  const tokens = chain.markets.tokens.map((t) => t.address);
  const v3 = await deployV3Beside(chain.devnet.provider, owner, tokens);
  const pairs = chain.markets.pools.filter((p) => p.dex === "sushiswap" && (p.token0 === base || p.token1 === base));
  const pair = pairs[0]!;
  const dearer = pair.token0 === base ? 20_000n : -20_000n;
  route = {
    v3: await v3PoolBeside(chain.devnet.provider, owner, v3, pair, { pips: 3000, spacing: 60 }, dearer),
    v2: pair.address,
    other: pair.token0 === base ? pair.token1 : pair.token0,
  };
  const lenderPair = pairs[1]!;
  v3Lender = {
    address: await v3PoolBeside(chain.devnet.provider, owner, v3, lenderPair, { pips: 100, spacing: 1 }, 0n),
    token0: lenderPair.token0,
    token1: lenderPair.token1,
  };
  v3Router = v3.router;
  await chain.devnet.setAutomine(false);
}, 300_000);

afterAll(async () => {
  await fixture?.close();
});

function executor(lenders: FlashLenderConfig): Promise<Executor> {
  return devnetExecutor(chain, provider, pool, new ChainFlashLenders(provider, lenders));
}

/** Sends the order, mines its block, and returns the outcome and the journal's row. */
async function trade(ex: Executor, order: Order) {
  const submission = await ex.submit(order);
  if (submission.kind !== "sent") throw new Error(`not sent: ${JSON.stringify(submission, (_, v) => String(v))}`);
  await chain.devnet.mine();
  const result = await submission.final;
  const row = (await listTrades(pool, "live", 1, since)).find((r) => r.id === result.id);
  return { result, row };
}

/**
 * Buys `amount` of the base token back from the route's V3 pool (exact output), as an outside trader would: the gap
 * a previous trade closed opens again.
 */
async function reopenGap(amount: bigint): Promise<void> {
  const router = new Interface((await loadArtifacts()).V3SimRouter.abi);
  const owner = chain.markets.executor.owner;
  const data = router.encodeFunctionData("swap", [route.v3, route.other < base, -amount, 0, 0, owner]);
  await chain.devnet.setAutomine(true);
  await send(chain.devnet.provider, owner, v3Router, data);
  await chain.devnet.setAutomine(false);
}

/** An order for the mixed V3 -> V2 route at the current state, its prediction exact before any lender's fee. */
async function mixedOrder(): Promise<Order> {
  const state = await readV3Pool(provider, route.v3);
  const reserves = await reservesOf(chain.devnet.provider, route.v2);
  const quote = (amountIn: bigint) => v3ThenV2Profit(state, reserves, base < route.other, amountIn);
  const amountIn = ladderBest(quote);
  const order: Order = {
    opportunityId: `opp-${randomUUID()}`,
    mode: "live",
    epoch: 1,
    blockNumber: await provider.getBlockNumber(),
    baseToken: base,
    pools: [route.v3, route.v2],
    tokens: [base, route.other, base],
    protocols: ["uniswap-v3", "uniswap-v2"],
    amountIn,
    predictedProfit: quote(amountIn),
    minProfit: 0n,
  };
  await recordOrders(pool, [order]);
  return order;
}

describe("the executor's flash source, per order", () => {
  it("a V2-first route flash-swaps even with lenders at hand: no fee, no extra gas", async () => {
    const ex = await executor({ aaveV3Pool: chain.markets.aaveV3!.pool });
    const { opportunity } = await createArbitrage(chain, provider);
    const { result, row } = await trade(ex, await orderFor(pool, provider, "live", opportunity, 0n));
    expect(result).toMatchObject({ status: "confirmed", flashSource: "v2-flash-swap" });
    expect(result.realizedProfit).toBe(opportunity.profit);
    expect(row?.flashSource).toBe("v2-flash-swap");
  });

  it("a V3-first route borrows from Aave when it is the only lender, and realizes its prediction less the premium", async () => {
    const aave = chain.markets.aaveV3!;
    const ex = await executor({ aaveV3Pool: aave.pool });
    const order = await mixedOrder();
    const premium = flashFee({ kind: "aave-bps", bps: BigInt(aave.premiumBps) }, order.amountIn);
    const { result, row } = await trade(ex, order);
    expect(result).toMatchObject({ status: "confirmed", flashSource: "aave-v3", precededBy: 0 });
    expect(result.realizedProfit).toBe(order.predictedProfit - premium);
    expect(row).toMatchObject({ flashSource: "aave-v3", protocols: ["uniswap-v3", "uniswap-v2"] });
    expect(row?.predictedProfit).toBe(order.predictedProfit - premium);
    await reopenGap(order.amountIn * 2n);
  });

  it("prefers a 1 bp V3 flash over Aave's 5 bp premium, and falls back to Aave when the V3 pool is in the route", async () => {
    const aave = chain.markets.aaveV3!;
    const order = await mixedOrder();
    const withV3 = await executor({
      aaveV3Pool: aave.pool,
      v3Pools: [
        { ...v3Lender, feePips: 100 },
        // The route's own V3 pool (and at 1 bp the cheapest): locked while it would lend, so never chosen here.
        { address: route.v3, token0: base, token1: route.other, feePips: 1 },
      ],
    });
    const fee = flashFee({ kind: "v3-pips", pips: 100 }, order.amountIn);
    const { result } = await trade(withV3, order);
    expect(result).toMatchObject({ status: "confirmed", flashSource: "v3-flash" });
    expect(result.realizedProfit).toBe(order.predictedProfit - fee);
    await reopenGap(order.amountIn * 2n);
  });

  it("takes Balancer's free loan over Aave's premium: the prediction is realized to the wei, with no fee", async () => {
    const ex = await executor({
      aaveV3Pool: chain.markets.aaveV3!.pool,
      balancerVault: chain.markets.balancerV2!.vault,
    });
    const order = await mixedOrder();
    const { result, row } = await trade(ex, order);
    expect(result).toMatchObject({ status: "confirmed", flashSource: "balancer", precededBy: 0 });
    expect(result.realizedProfit).toBe(order.predictedProfit);
    expect(row?.flashSource).toBe("balancer");
    await reopenGap(order.amountIn * 2n);
  });

  it("refuses, without simulating or striking the route, an order whose loan fee leaves less than its minProfit", async () => {
    const aave = chain.markets.aaveV3!;
    const ex = await executor({ aaveV3Pool: aave.pool });
    const order = await mixedOrder();
    const premium = flashFee({ kind: "aave-bps", bps: BigInt(aave.premiumBps) }, order.amountIn);
    const result = await ex.handle({ ...order, minProfit: order.predictedProfit - premium + 1n });
    expect(result).toMatchObject({
      status: "rejected",
      flashSource: "aave-v3",
      txHash: null,
      simulatedProfit: null,
      routeReverted: false,
      verdict: "unprofitable",
    });
    expect(result?.reason).toBe(
      `the aave-v3 fee of ${premium} leaves ${order.predictedProfit - premium}, ` +
        `below minProfit ${order.predictedProfit - premium + 1n}`,
    );
    // At exactly the prediction net of the premium it is sent, and realizes it.
    const again = {
      ...order,
      opportunityId: `${order.opportunityId}-again`,
      minProfit: order.predictedProfit - premium,
    };
    await recordOrders(pool, [again]);
    const { result: sent } = await trade(ex, again);
    expect(sent).toMatchObject({ status: "confirmed", flashSource: "aave-v3", precededBy: 0 });
    expect(sent.realizedProfit).toBe(order.predictedProfit - premium);
    await reopenGap(order.amountIn * 2n);
  });

  it("rejects, sending nothing, an order no source can fund", async () => {
    const ex = await executor({});
    const order = await mixedOrder();
    const result = await ex.handle(order);
    expect(result).toMatchObject({ status: "rejected", flashSource: null, txHash: null, verdict: "unprofitable" });
    expect(result?.reason).toMatch(/no flash source can lend/);
  });

  it("reads each base token's lenders once per block, however a block's orders alternate between base tokens", async () => {
    let calls = 0;
    const counted = new FailoverProvider(
      [
        eip1193Transport("devnet", {
          request: (a) => {
            if (a.method === "eth_call") calls++;
            return chain.devnet.provider.request(a);
          },
        }),
      ],
      { chainId: 31337 },
    );
    try {
      const book = new ChainFlashLenders(counted, { v3Pools: [{ ...v3Lender, feePips: 100 }] });
      const block = await chain.devnet.blockNumber();
      const [a, b] = [v3Lender.token0, v3Lender.token1];
      const first = await Promise.all([book.lenders(a, block), book.lenders(b, block)]);
      expect(first.map((l) => l.length)).toEqual([1, 1]);
      expect(calls).toBe(2);
      // The block's later orders, in the other order: no read.
      await Promise.all([book.lenders(b, block), book.lenders(a, block)]);
      expect(calls).toBe(2);
      // A new block: read again.
      await chain.devnet.mine();
      await book.lenders(a, block + 1);
      expect(calls).toBe(3);
    } finally {
      counted.destroy();
    }
  });

  it("reads the lenders ahead at each new head for the base tokens orders needed them for, not for V2-first orders", async () => {
    const requests: string[][] = [];
    const recorded = recordingProvider(chain.devnet.provider, requests);
    const reads: [string, number][] = [];
    const chainBook = new ChainFlashLenders(recorded, { aaveV3Pool: chain.markets.aaveV3!.pool });
    const book = {
      lenders: (token: string, block: number) => {
        reads.push([token.toLowerCase(), block]);
        return chainBook.lenders(token, block);
      },
    };
    const heads = new HeadTicks();
    const ex = await devnetExecutor(chain, provider, pool, book, undefined, heads);
    const readAhead = async (head: number) => {
      reads.length = 0;
      heads.seen(head);
      // The read goes after the head's own handlers (setImmediate).
      await new Promise((r) => setImmediate(r));
      return reads.slice();
    };
    try {
      // A V2-first order reads none: nothing is read ahead either.
      const { opportunity } = await createArbitrage(chain, provider);
      await trade(ex, await orderFor(pool, provider, "live", opportunity, 0n));
      expect(await readAhead(await chain.devnet.blockNumber())).toEqual([]);
      // A V3-first order needed them: from then on, each new head's lenders of its base token are read as the head
      // is seen, and an order of that block finds them read (no request of its own).
      const first = await mixedOrder();
      await trade(ex, first);
      await reopenGap(first.amountIn * 2n);
      const head = await chain.devnet.blockNumber();
      expect(await readAhead(head)).toEqual([[base.toLowerCase(), head]]);
      await chainBook.lenders(base, head);
      requests.length = 0;
      const order = await mixedOrder();
      expect(order.blockNumber).toBe(head);
      const { result } = await trade(ex, order);
      expect(result).toMatchObject({ status: "confirmed", flashSource: "aave-v3" });
      expect(requests).toEqual([]);
      // Until LENDERS_AHEAD_BLOCKS (32) pass with no order needing them.
      expect(await readAhead(head + 32)).toEqual([[base.toLowerCase(), head + 32]]);
      expect(await readAhead(head + 33)).toEqual([]);
      await reopenGap(order.amountIn * 2n);
    } finally {
      recorded.destroy();
    }
  });

  it("asks for what every lender of a token holds at the block in one request", async () => {
    const requests: string[][] = [];
    const counted = recordingProvider(chain.devnet.provider, requests);
    try {
      const config = {
        v3Pools: [{ ...v3Lender, feePips: 100 }],
        aaveV3Pool: chain.markets.aaveV3!.pool,
        balancerVault: chain.markets.balancerV2!.vault,
      };
      const book = new ChainFlashLenders(counted, config);
      const block = await chain.devnet.blockNumber();
      // The first block also reads each lender's terms (once); then the balances, together.
      expect(await book.lenders(base, block)).toHaveLength(3);
      expect(requests.at(-1)).toEqual(["eth_call", "eth_call", "eth_call"]);
      await chain.devnet.mine();
      requests.length = 0;
      const next = await book.lenders(base, block + 1);
      expect(next.map((l) => l.source).sort()).toEqual(["aave-v3", "balancer", "v3-flash"]);
      expect(requests).toEqual([["eth_call", "eth_call", "eth_call"]]);
    } finally {
      counted.destroy();
    }
  });

  it("rejects an order whose lenders cannot be read as a failure, not as a price verdict", async () => {
    const unreadable = await devnetExecutor(chain, provider, pool, {
      lenders: () => Promise.reject(new Error("connection refused")),
    });
    const result = await unreadable.handle(await mixedOrder());
    expect(result).toMatchObject({ status: "rejected", flashSource: null, txHash: null });
    expect(result).not.toHaveProperty("verdict");
  });
});
