/**
 * Block -> transaction sent on the in-process devnet, through the chain-only path: head seen, pool state from Sync
 * logs, incremental scan, order, eth_call simulation, nonce, signature, journal row in PostgreSQL, broadcast. No bus,
 * orchestrator or decision record: the yardstick the whole pipeline is compared with. Needs PostgreSQL like the tests.
 */
import { randomUUID } from "node:crypto";
import { FailoverProvider, eip1193Transport, startLocalChain } from "../apps/chain/index.ts";
import { startScanning } from "../apps/chain/testing/scanning.ts";
import { createExecutor, privateKeySigner } from "../apps/executor/index.ts";
import { PgTradeJournal, createPgPool, migrate } from "../apps/store/index.ts";
import { createTestDatabase } from "../test/support/postgres.ts";

export interface ChainPathResult {
  /** Milliseconds from the block being seen to each stage, one sample per block that reached it, unsorted. */
  stages: { state: number[]; scan: number[]; simulate: number[]; sent: number[] };
  confirmed: number;
  /** Confirmed trades that realized exactly the predicted profit with nothing ahead of them in the block. */
  exact: number;
}

/** `http` serves the devnet on 127.0.0.1 and goes through JSON-RPC over HTTP, as `orion dev` does. */
export async function runChainPath(o: { blocks: number; http: boolean }): Promise<ChainPathResult> {
  const chain = await startLocalChain({
    seed: 5,
    simulator: { sizeOfReserve: { min: 0.002, max: 0.02 } },
    ...(o.http ? { listen: { port: 0 } } : {}),
  });
  const db = await createTestDatabase("orion_bench");
  const pool = createPgPool(db.url);
  try {
    await migrate(pool);
    const provider = o.http
      ? FailoverProvider.fromUrls([chain.devnet.url!], { chainId: 31337 })
      : new FailoverProvider([eip1193Transport("devnet", chain.devnet.provider)], { chainId: 31337 });
    const { state, collector, scanner } = await startScanning(chain, provider);
    const executor = await createExecutor({
      mode: "live",
      provider,
      journal: new PgTradeJournal(pool),
      readMode: async () => "live",
      contract: chain.markets.executor.address,
      account: chain.executorAccount.address,
      loadSigner: () => privateKeySigner(chain.executorAccount.privateKey),
      feeOf: () => 30,
    });
    await executor.reconcile();

    const stages: ChainPathResult["stages"] = { state: [], scan: [], simulate: [], sent: [] };
    const finals: Promise<unknown>[] = [];
    let confirmed = 0;
    let exact = 0;
    for (let b = 0; b < o.blocks; b++) {
      await chain.simulator.step();
      await chain.devnet.mine();
      const head = (await collector.poll())!;
      const update = (await state.onBlock(head))!;
      stages.state.push(performance.now() - head.seenAt);
      const [best] = scanner.applyReserves(update.changed);
      stages.scan.push(performance.now() - head.seenAt);
      if (!best) continue;
      const s = await executor.submit({
        opportunityId: randomUUID(),
        mode: "live",
        epoch: 1,
        blockNumber: head.number,
        baseToken: best.baseToken,
        pools: best.pools,
        tokens: best.tokens,
        amountIn: best.amountIn,
        predictedProfit: best.profit,
        minProfit: best.profit,
      });
      if (s.kind === "sent") {
        stages.sent.push(s.sentAt - head.seenAt);
        finals.push(
          s.final.then((r) => {
            if (r.status === "confirmed") confirmed++;
            if (r.status === "confirmed" && r.precededBy === 0 && r.realizedProfit === best.profit) exact++;
          }),
        );
      }
      const timings = s.kind === "sent" ? s.timings : s.kind === "done" ? s.result.timings : null;
      if (timings?.simulatedAt) stages.simulate.push(timings.simulatedAt - head.seenAt);
    }
    await chain.devnet.mine();
    await Promise.all(finals);
    provider.destroy();
    return { stages, confirmed, exact };
  } finally {
    await pool.end();
    await db.drop();
    await chain.close();
  }
}
