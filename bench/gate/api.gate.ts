/**
 * API gate: authenticated GET /mode/status throughput over a bare fastify route's, both loaded by the same autocannon
 * settings in alternating rounds of this run (the bare route is the machine's ceiling at that moment).
 */
import autocannon from "autocannon";
import { loadavg } from "node:os";
import { startBareFastify, startBenchApi } from "../api-server.ts";
import { emit } from "./emit.ts";

const SECONDS = Number(process.env.BENCH_GATE_API_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_GATE_ROUNDS_API ?? 2);

const api = await startBenchApi();
const bare = await startBareFastify();
try {
  // Load from a worker thread, so the generator does not share the servers' event loop.
  const load = async (url: string, headers: Record<string, string> = {}) => {
    const r = await autocannon({ url, headers, connections: 64, workers: 1, duration: SECONDS });
    if (r.non2xx > 0 || r.errors > 0) throw new Error(`api gate: ${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    return r.requests.total;
  };
  let bareRequests = 0;
  let statusRequests = 0;
  for (let round = 0; round < ROUNDS; round++) {
    bareRequests += await load(bare.url);
    statusRequests += await load(`${api.url}/mode/status`, { authorization: `Bearer ${api.accessToken}` });
  }
  const seconds = SECONDS * ROUNDS;
  emit({
    metric: "api.modeStatus/bareFastify",
    value: statusRequests / bareRequests,
    absolute: {
      modeStatusRps: Math.round(statusRequests / seconds),
      bareFastifyRps: Math.round(bareRequests / seconds),
      load1: loadavg()[0]!,
    },
  });
} finally {
  await bare.close();
  await api.close();
}
