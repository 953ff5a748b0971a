/**
 * API gate: authenticated GET /mode/status throughput over a bare fastify route's, both loaded by the same autocannon
 * settings in alternating rounds of this run (the bare route is the machine's ceiling at that moment); the median of
 * the rounds' ratios.
 */
import autocannon from "autocannon";
import { loadavg } from "node:os";
import { startBareFastify, startBenchApi } from "../api-server.ts";
import { emit } from "./emit.ts";
import { median } from "./ratio.ts";

const SECONDS = Number(process.env.BENCH_GATE_API_SECONDS ?? 1.5);
const ROUNDS = Number(process.env.BENCH_GATE_ROUNDS_API ?? 5);

const api = await startBenchApi();
const bare = await startBareFastify();
try {
  // Load from a worker thread, so the generator does not share the servers' event loop.
  const load = async (url: string, headers: Record<string, string> = {}) => {
    const r = await autocannon({ url, headers, connections: 64, workers: 1, duration: SECONDS });
    if (r.non2xx > 0 || r.errors > 0) throw new Error(`api gate: ${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    return r.requests.total;
  };
  // Short rounds, each a bare run next to an authenticated one: the machine's speed drifts between rounds far more
  // than within one, so each round gives its own ratio and the median drops the rounds a burst of load spoiled.
  let bareRequests = 0;
  let statusRequests = 0;
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const b = await load(bare.url);
    const s = await load(`${api.url}/mode/status`, { authorization: `Bearer ${api.accessToken}` });
    bareRequests += b;
    statusRequests += s;
    ratios.push(s / b);
  }
  const seconds = SECONDS * ROUNDS;
  emit({
    metric: "api.modeStatus/bareFastify",
    value: median(ratios),
    absolute: {
      modeStatusRps: Math.round(statusRequests / seconds),
      bareFastifyRps: Math.round(bareRequests / seconds),
      roundRatios: ratios.map((r) => r.toFixed(2)).join("/"),
      load1: loadavg()[0]!,
    },
  });
} finally {
  await bare.close();
  await api.close();
}
