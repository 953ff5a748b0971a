/**
 * Block -> transaction sent on the devnet through the chain-only path (bench/chain-path.ts), over JSON-RPC over HTTP to
 * `orion devnet` as to any chain. Prints one JSON object per stage.
 */
import { runChainPath } from "./chain-path.ts";
import { percentile } from "./percentile.ts";

const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 120);

const { stages, confirmed, exact } = await runChainPath({ blocks: BLOCKS });
const round = (x: number) => Math.round(x * 1000) / 1000;
for (const [stage, samples] of Object.entries(stages)) {
  process.stdout.write(
    JSON.stringify({
      bench: "chain",
      transport: "http",
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
