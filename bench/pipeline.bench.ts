// End-to-end trading loop on the devnet (live mode, in-process bus, real PostgreSQL): per-stage latency from the
// moment a new block is seen. Targets: block -> order decided < 5 ms p50 excluding RPC; block -> tx sent < 50 ms p50.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runDev } from "../apps/platform/run.ts";
import { createTestDatabase } from "../test/support/postgres.ts";

const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 30);
const BLOCK_MS = Number(process.env.BENCH_BLOCK_MS ?? 1000);

const db = await createTestDatabase("orion_bench");
try {
  const { report, latency } = await runDev({
    mode: "live",
    blocks: BLOCKS,
    report: null,
    port: 0,
    blockIntervalMs: BLOCK_MS,
    dataDir: await mkdtemp(join(tmpdir(), "orion-bench-")),
    databaseUrl: db.url,
    out: () => undefined,
  });
  const confirmed = report.trades.filter((t) => t.status === "confirmed");
  const exact = confirmed.filter((t) => t.precededBy === 0 && t.realizedProfit === t.predictedProfit).length;
  const line = (stage: string, target: number | null = null) => {
    const s = latency[stage] ?? { p50: 0, p99: 0, n: 0 };
    process.stdout.write(
      JSON.stringify({
        bench: "pipeline",
        stage,
        unit: "ms",
        p50: s.p50,
        p99: s.p99,
        samples: s.n,
        targetP50: target,
      }) + "\n",
    );
  };
  line("detect");
  line("decide");
  line("decideExcludingRpc", 5);
  line("executorReceived");
  line("simulateOnly");
  line("simulate");
  line("signJournalBroadcast");
  line("send", 50);
  process.stdout.write(
    JSON.stringify({
      bench: "pipeline",
      blocks: BLOCKS,
      blockMs: BLOCK_MS,
      opportunities: report.opportunities,
      orders: report.orders,
      confirmed: confirmed.length,
      exactToTheWei: exact,
      otherTrades: report.trades.length - confirmed.length,
    }) + "\n",
  );
} finally {
  await db.drop();
}
