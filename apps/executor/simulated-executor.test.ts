/**
 * Sim on a foreign chain: the executor contract is never deployed, no key exists, and each order is simulated with
 * the contract's code injected by state override. Its simulated profits must equal what the deployed contract
 * realizes for the same orders, and no account's nonce may move. The chain is reached only through its profile and
 * RPC URL, as any foreign chain would be.
 */
import { join } from "node:path";
import { Interface, id } from "ethers";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDir } from "../../test/support/test-dir.ts";
import { createMigratedTestDatabase, type TestDatabase } from "../../test/support/postgres.ts";
import { connectChain, deploy, devAccounts, devnetProfile, startLocalChain } from "../chain/index.ts";
import type { ChainProfile, FailoverProvider, LocalChain } from "../chain/index.ts";
import { loadArtifacts } from "../contracts/index.ts";
import { discover } from "../discover/index.ts";
import type { Order } from "../domain/index.ts";
import { parseSnapshot, runScan } from "../scan/index.ts";
import { createPgPool, PgTradeJournal } from "../store/index.ts";
import { recordOrders } from "../store/testing/orders.ts";
import { ExecutorCodec, V2_FLASH_SWAP } from "./calldata.ts";
import { createExecutor } from "./factory.ts";
import { SIM_EXECUTOR_ACCOUNT, simulatedExecutor } from "./simulated-executor.ts";

let chain: LocalChain;
let db: TestDatabase;
let pool: pg.Pool;
let provider: FailoverProvider;
let profile: ChainProfile;

beforeAll(async () => {
  [chain, db] = await Promise.all([startLocalChain({ listen: { port: 0 }, seed: 5 }), createMigratedTestDatabase()]);
  // What the test may know of the chain from here on: its profile and its URL.
  profile = devnetProfile(chain.markets, 1000);
  provider = await connectChain(profile, [chain.devnet.url as string]);
  pool = createPgPool(db.url);
}, 240_000);

afterAll(async () => {
  provider?.destroy();
  await pool?.end();
  await Promise.all([chain?.close(), db?.drop()]);
});

/** Every devnet account's and the sim account's nonce, counting the mempool. */
async function nonces(): Promise<number[]> {
  const accounts = [...devAccounts(20).map((a) => a.address), SIM_EXECUTOR_ACCOUNT];
  return Promise.all(accounts.map((a) => provider.getTransactionCount(a, "pending")));
}

describe("sim execution on a foreign chain", () => {
  it("simulates exactly what the deployed contract realizes for the same orders, and moves no nonce", async () => {
    // Traders push prices apart for a few blocks.
    for (let i = 0; i < 4; i++) {
      await chain.simulator.step();
      await chain.devnet.mine();
    }
    const dir = await testDir("orion-sim");
    const { snapshot } = await discover({
      profile,
      provider,
      out: join(dir, "s.json"),
      minLiquidity: 1000n,
      progress: () => undefined,
    });
    const scan = runScan(parseSnapshot(JSON.stringify(snapshot)), { maxHops: 3, minProfit: 0n });
    // Orders on disjoint pools, so that executing them in one block leaves each on the state it was priced on.
    const used = new Set<string>();
    const orders: Order[] = [];
    for (const o of scan.opportunities) {
      // V2 routes only: this executor has no flash lenders, and mixed routes are apps/platform/mixed-cycles.e2e's.
      if (o.protocols !== undefined || o.pools.some((p) => used.has(p)) || orders.length === 4) continue;
      o.pools.forEach((p) => used.add(p));
      orders.push({
        opportunityId: `sim-${orders.length}-${o.pools.join("-")}`,
        mode: "sim",
        epoch: 1,
        blockNumber: snapshot.blockNumber,
        baseToken: o.baseToken,
        pools: o.pools,
        tokens: o.tokens,
        amountIn: BigInt(o.amountIn),
        predictedProfit: BigInt(o.profit),
        minProfit: 0n,
      });
    }
    expect(orders.length).toBeGreaterThanOrEqual(2);
    await recordOrders(pool, orders);

    const before = await nonces();
    const sim = await simulatedExecutor(provider);
    const executor = await createExecutor({
      mode: "sim",
      provider,
      journal: new PgTradeJournal(pool),
      readMode: async () => "sim",
      contract: sim.contract,
      account: sim.account,
      loadSigner: () => {
        throw new Error("sim must never load a key");
      },
      feeOf: () => 30,
      options: { stateOverride: sim.stateOverride, deadlineBlocks: 1 },
    });
    const simulated = [];
    for (const order of orders) {
      const r = await executor.handle(order);
      expect(r?.status, r?.reason ?? "").toBe("simulated");
      simulated.push(r?.simulatedProfit);
    }
    expect(simulated).toEqual(orders.map((o) => o.predictedProfit));
    expect(await nonces()).toEqual(before);
    expect(await provider.getBlockNumber()).toBe(snapshot.blockNumber);

    // Now the same orders through the real contract, deployed over JSON-RPC, all in the next block.
    const a = await loadArtifacts();
    const [deployer, owner] = devAccounts(2).map((x) => x.address) as [string, string];
    await chain.devnet.setAutomine(true);
    const contract = await deploy(
      chain.devnet.provider,
      deployer,
      a.ArbExecutor.bytecode,
      new Interface(a.ArbExecutor.abi),
      [owner, owner, owner],
    );
    await chain.devnet.setAutomine(false);
    const codec = new ExecutorCodec(a.ArbExecutor.abi);
    const hashes = [];
    for (const order of orders) {
      const data = codec.encodeExecute(
        order,
        order.pools.map(() => 30),
        V2_FLASH_SWAP,
        snapshot.blockNumber + 10,
        null,
      );
      hashes.push(await provider.send("eth_sendTransaction", [{ from: owner, to: contract, data, gas: "0x7a120" }]));
    }
    await chain.devnet.mine();
    const realized = [];
    for (const hash of hashes) {
      const receipt = await provider.getTransactionReceipt(hash as string);
      expect(receipt?.status).toBe(1);
      const trade = receipt?.logs.find((l) => l.topics[0] === id("Trade(address,address[],uint256,uint256,uint8)"));
      realized.push(trade ? codec.tradeProfit([trade], contract) : null);
    }
    expect(realized).toEqual(simulated);
  }, 240_000);
});
