/**
 * Pipeline gate: block seen -> transaction sent through the whole pipeline (bus, orchestrator, decision record,
 * executor; HTTP JSON-RPC) over the same latency on the chain-only path (no bus, orchestrator or decision record),
 * both measured in this run. What the ratio watches is the cost of the pipeline's own hops.
 */
import { loadavg } from "node:os";
import { runChainPath } from "../chain-path.ts";
import { percentile } from "../percentile.ts";
import { runPipeline } from "../pipeline-run.ts";
import { emit } from "./emit.ts";

const PIPELINE_BLOCKS = Number(process.env.BENCH_GATE_PIPELINE_BLOCKS ?? 20);
const CHAIN_BLOCKS = Number(process.env.BENCH_GATE_CHAIN_BLOCKS ?? 40);

const chain = await runChainPath({ blocks: CHAIN_BLOCKS });
const chainLoad = loadavg()[0]!;
const { latency, report } = await runPipeline({ blocks: PIPELINE_BLOCKS, blockMs: 500 });
const send = latency["send"];
if (send === undefined || send.n === 0) throw new Error("pipeline gate: the pipeline sent no transaction");
const chainP50 = percentile(chain.stages.sent, 50);
emit({
  metric: "pipeline.send/chainOnly",
  value: send.p50 / chainP50,
  absolute: {
    pipelineSendP50Ms: send.p50,
    pipelineSendP99Ms: send.p99,
    pipelineTrades: send.n,
    pipelineConfirmed: report.trades.filter((t) => t.status === "confirmed").length,
    chainSendP50Ms: chainP50,
    chainSendP99Ms: percentile(chain.stages.sent, 99),
    chainTrades: chain.stages.sent.length,
    chainLoad1: chainLoad,
    load1: loadavg()[0]!,
  },
});
