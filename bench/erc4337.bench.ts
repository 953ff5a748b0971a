// The two execution routes side by side in one run of the benchmark: `orion dev --mode live` on the devnet, once with
// the EOA route and once with ERC-4337 user operations through a local alto. Per route: block -> sent (EOA: the
// broadcast; ERC-4337: eth_sendUserOperation accepted) and block -> included (the receipt, or the bundle's
// UserOperationEvent seen by the executor), p50/p99 in ms, plus what became of the trades.
import { runPipeline } from "./pipeline-run.ts";

const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 20);
const BLOCK_MS = Number(process.env.BENCH_BLOCK_MS ?? 1000);

for (const execution of ["eoa", "erc4337"] as const) {
  const { report, latency } = await runPipeline({ blocks: BLOCKS, blockMs: BLOCK_MS, execution });
  const confirmed = report.trades.filter((t) => t.status === "confirmed");
  for (const stage of ["send", "included"]) {
    const s = latency[stage] ?? { p50: 0, p99: 0, n: 0 };
    process.stdout.write(
      JSON.stringify({ bench: "erc4337", execution, stage, unit: "ms", p50: s.p50, p99: s.p99, samples: s.n }) + "\n",
    );
  }
  process.stdout.write(
    JSON.stringify({
      bench: "erc4337",
      execution,
      blocks: BLOCKS,
      blockMs: BLOCK_MS,
      orders: report.orders,
      confirmed: confirmed.length,
      exactToTheWei: confirmed.filter((t) => t.precededBy === 0 && t.realizedProfit === t.predictedProfit).length,
      otherTrades: report.trades.length - confirmed.length,
    }) + "\n",
  );
}
