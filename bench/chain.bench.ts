/**
 * Block -> transaction sent on the in-process devnet, through the real path: head seen, pool state from Sync logs,
 * incremental scan, order, eth_call simulation, nonce, signature, journal row in PostgreSQL, broadcast.
 * Needs PostgreSQL on 127.0.0.1:5432 (TEST_PG_ADMIN_URL), like the tests. Prints one JSON object per stage.
 */
import { randomUUID } from "node:crypto";
import { FailoverProvider, eip1193Transport, startLocalChain } from "../apps/chain/index.ts";
import { startScanning } from "../apps/chain/testing/scanning.ts";
import { createExecutor, privateKeySigner } from "../apps/executor/index.ts";
import { PgTradeJournal, createPgPool, migrate } from "../apps/store/index.ts";
import { createTestDatabase } from "../test/support/postgres.ts";

const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 120);
/** BENCH_TRANSPORT=http serves the devnet on 127.0.0.1 and goes through JSON-RPC over HTTP, as `orion dev` does. */
const HTTP = process.env.BENCH_TRANSPORT === "http";

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const chain = await startLocalChain({
  seed: 5,
  simulator: { sizeOfReserve: { min: 0.002, max: 0.02 } },
  ...(HTTP ? { listen: { port: 0 } } : {}),
});
const db = await createTestDatabase("orion_bench");
const pool = createPgPool(db.url);
try {
  await migrate(pool);
  const provider = HTTP
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

  const stages: Record<string, number[]> = { state: [], scan: [], simulate: [], sent: [] };
  const finals: Promise<unknown>[] = [];
  let confirmed = 0;
  let exact = 0;
  for (let b = 0; b < BLOCKS; b++) {
    await chain.simulator.step();
    await chain.devnet.mine();
    const head = (await collector.poll())!;
    const update = (await state.onBlock(head))!;
    stages.state!.push(performance.now() - head.seenAt);
    const [best] = scanner.applyReserves(update.changed);
    stages.scan!.push(performance.now() - head.seenAt);
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
      stages.sent!.push(s.sentAt - head.seenAt);
      finals.push(
        s.final.then((r) => {
          if (r.status === "confirmed") confirmed++;
          if (r.status === "confirmed" && r.precededBy === 0 && r.realizedProfit === best.profit) exact++;
        }),
      );
    }
    const timings = s.kind === "sent" ? s.timings : s.kind === "done" ? s.result.timings : null;
    if (timings?.simulatedAt) stages.simulate!.push(timings.simulatedAt - head.seenAt);
  }
  await chain.devnet.mine();
  await Promise.all(finals);
  provider.destroy();
  for (const [stage, samples] of Object.entries(stages)) {
    const sorted = [...samples].sort((a, b) => a - b);
    const round = (x: number) => Math.round(x * 1000) / 1000;
    process.stdout.write(
      JSON.stringify({
        bench: "chain",
        transport: HTTP ? "http" : "in-process",
        metric: `block_to_${stage}_ms`,
        n: sorted.length,
        p50: round(percentile(sorted, 50)),
        p99: round(percentile(sorted, 99)),
      }) + "\n",
    );
  }
  process.stdout.write(
    JSON.stringify({ bench: "chain", blocks: BLOCKS, sent: stages.sent!.length, confirmed, exact }) + "\n",
  );
} finally {
  await pool.end();
  await db.drop();
  await chain.close();
}
