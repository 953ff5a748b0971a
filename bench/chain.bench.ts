/**
 * Block -> transaction sent on the devnet through the chain-only path (bench/chain-path.ts). Prints one JSON object per
 * stage. BENCH_TRANSPORT=http goes through JSON-RPC over HTTP, as `orion dev` does.
 */
import { runChainPath } from "./chain-path.ts";
import { percentile } from "./percentile.ts";

const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 120);
const HTTP = process.env.BENCH_TRANSPORT === "http";

const { stages, confirmed, exact } = await runChainPath({ blocks: BLOCKS, http: HTTP });
const round = (x: number) => Math.round(x * 1000) / 1000;
for (const [stage, samples] of Object.entries(stages)) {
  process.stdout.write(
    JSON.stringify({
      bench: "chain",
      transport: HTTP ? "http" : "in-process",
      metric: `block_to_${stage}_ms`,
      n: samples.length,
      p50: round(percentile(samples, 50)),
      p99: round(percentile(samples, 99)),
    }) + "\n",
  );
}
process.stdout.write(
  JSON.stringify({ bench: "chain", blocks: BLOCKS, sent: stages.sent.length, confirmed, exact }) + "\n",
);
