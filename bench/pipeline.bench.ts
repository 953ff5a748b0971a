// End-to-end trading loop on the devnet (bench/pipeline-run.ts): per-stage latency from the moment a new block is
// seen. Targets: block -> order decided < 5 ms p50 excluding RPC; block -> tx sent < 30 ms p50 (issue 14).
import { runPipeline } from "./pipeline-run.ts";

const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 30);
const BLOCK_MS = Number(process.env.BENCH_BLOCK_MS ?? 1000);

const { report, latency } = await runPipeline({ blocks: BLOCKS, blockMs: BLOCK_MS });
const confirmed = report.trades.filter((t) => t.status === "confirmed");
const exact = confirmed.filter((t) => t.precededBy === 0 && t.realizedProfit === t.predictedProfit).length;
const line = (stage: string, target: number | null = null) => {
  const s = latency[stage] ?? { p50: 0, p99: 0, n: 0 };
  process.stdout.write(
    JSON.stringify({ bench: "pipeline", stage, unit: "ms", p50: s.p50, p99: s.p99, samples: s.n, targetP50: target }) +
      "\n",
  );
};
// detect's steps (apps/scanner ScanSteps), each from the block seen: head handed to the scanner, node answered the
// block's batch, pool states advanced, exact scan done (= detect), candidates built for the bus.
for (const step of ["handed", "answered", "applied", "scanned", "built"]) line(`detect.${step}`);
line("detect");
line("decide");
line("decideExcludingRpc", 5);
line("executorReceived");
line("simulateOnly");
line("simulate");
line("signJournalBroadcast");
line("send", 30);
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
