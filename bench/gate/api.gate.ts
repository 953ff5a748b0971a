/**
 * API gate: authenticated GET /mode/status throughput over a bare fastify route's, measured by bench/api-ratio.ts
 * (generator in its own process, a warm-up round of each side, rounds alternating which side runs first, the median
 * of the rounds' ratios; the bare route is the machine's ceiling at that moment).
 */
import { loadavg } from "node:os";
import { measureApiRatio, medianOf, requestsPerSecond } from "../api-ratio.ts";
import { startBareFastify, startBenchApi } from "../api-server.ts";
import { emit } from "./emit.ts";

const SECONDS = Number(process.env.BENCH_GATE_API_SECONDS ?? 1.5);
const ROUNDS = Number(process.env.BENCH_GATE_ROUNDS_API ?? 5);

const api = await startBenchApi();
const bare = await startBareFastify();
try {
  const run = await measureApiRatio(
    { url: `${api.url}/mode/status`, headers: { authorization: `Bearer ${api.accessToken}` } },
    { url: bare.url },
    { rounds: ROUNDS, seconds: SECONDS },
  );
  emit({
    metric: "api.modeStatus/bareFastify",
    value: run.ratio,
    absolute: {
      modeStatusRps: Math.round(medianOf(run.route, requestsPerSecond)),
      bareFastifyRps: Math.round(medianOf(run.bare, requestsPerSecond)),
      roundRatios: run.roundRatios.map((r) => r.toFixed(2)).join("/"),
      serverCpuRatio: Number(run.cpuRatio.toFixed(3)),
      modeStatusCpuUs: Number(medianOf(run.route, (r) => r.cpuUsPerRequest).toFixed(1)),
      bareFastifyCpuUs: Number(medianOf(run.bare, (r) => r.cpuUsPerRequest).toFixed(1)),
      load1: loadavg()[0]!,
    },
  });
} finally {
  await bare.close();
  await api.close();
}
