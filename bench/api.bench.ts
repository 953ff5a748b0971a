/**
 * Control plane under load, on 127.0.0.1 against real PostgreSQL and Redis (like the tests):
 * - authenticated GET /mode/status with autocannon (target >= 10,000 req/s, and >= 60% of a bare fastify route's
 *   req/s in the same run: rounds alternating with the bare route, bench/api-ratio.ts);
 * - audit appends with the hash chain (target >= 2,000 rows/s);
 * - `orion audit verify` of 100,000 rows (target < 5 s).
 * Prints one JSON object per measurement.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AuditLedger, verifyChain } from "../apps/audit/index.ts";
import { measureApiRatio, medianOf, requestsPerSecond } from "./api-ratio.ts";
import { startBareFastify, startBenchApi } from "./api-server.ts";

const ROUNDS = Number(process.env.BENCH_API_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_API_SECONDS ?? 2);
const VERIFY_ROWS = 100_000;
const emit = (o: Record<string, unknown>) => process.stdout.write(JSON.stringify({ bench: "api", ...o }) + "\n");

const api = await startBenchApi();
const { url, accessToken, pool, vault } = api;
try {
  // The machine's own ceiling at this moment (shared cores vary a lot): a bare fastify route, loaded in rounds
  // alternating with the authenticated route's (bench/api-ratio.ts).
  const bare = await startBareFastify();
  const run = await measureApiRatio(
    { url: `${url}/mode/status`, headers: { authorization: `Bearer ${accessToken}` } },
    { url: bare.url },
    { rounds: ROUNDS, seconds: SECONDS },
  );
  await bare.close();
  emit({
    name: "baseline: bare fastify route",
    requestsPerSecond: Math.round(medianOf(run.bare, requestsPerSecond)),
    serverCpuUsPerRequest: Number(medianOf(run.bare, (r) => r.cpuUsPerRequest).toFixed(1)),
    loadAverage: loadavg()[0],
  });
  emit({
    name: "GET /mode/status (authenticated)",
    requestsPerSecond: Math.round(medianOf(run.route, requestsPerSecond)),
    latencyP50Ms: medianOf(run.route, (r) => r.latencyP50Ms),
    latencyP99Ms: medianOf(run.route, (r) => r.latencyP99Ms),
    serverCpuUsPerRequest: Number(medianOf(run.route, (r) => r.cpuUsPerRequest).toFixed(1)),
    ofBaseline: Number(run.ratio.toFixed(2)),
    roundRatios: run.roundRatios.map((r) => r.toFixed(2)).join("/"),
    serverCpuRatio: Number(run.cpuRatio.toFixed(2)),
    loadAverage: loadavg()[0],
    target: ">= 10000 req/s, ofBaseline >= 0.6",
  });

  // Audit appends: many concurrent writers, each append chained and committed before its promise resolves.
  const ledger = new AuditLedger(pool, vault);
  const appendN = async (n: number) => {
    const inFlight: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) {
      inFlight.push(ledger.append({ actor: "bench", action: "bench.append", outcome: "success", detail: { i } }));
      if (inFlight.length >= 2000) await Promise.all(inFlight.splice(0));
    }
    await Promise.all(inFlight);
  };
  const appendRows = 20_000;
  const t0 = performance.now();
  await appendN(appendRows);
  const appendSeconds = (performance.now() - t0) / 1000;
  emit({
    name: "audit appends (hash-chained)",
    rows: appendRows,
    rowsPerSecond: Math.round(appendRows / appendSeconds),
    target: ">= 2000 rows/s",
  });

  // Sequential appends (one writer, each waiting for the previous): the worst case of group commit.
  const seqRows = 2000;
  const t1 = performance.now();
  for (let i = 0; i < seqRows; i++)
    await ledger.append({ actor: "bench", action: "bench.sequential", outcome: "success" });
  emit({
    name: "audit appends, one at a time",
    rows: seqRows,
    rowsPerSecond: Math.round(seqRows / ((performance.now() - t1) / 1000)),
  });

  await appendN(VERIFY_ROWS - appendRows - seqRows);
  const t2 = performance.now();
  const inProcess = await verifyChain(pool);
  const verifyMs = performance.now() - t2;
  // The CLI gets its own ORION_HOME holding the bench API's keys: a checkout's .orion holds another database's keys
  // and anchors (a local orion dev's), against which this chain would rightly fail.
  const home = mkdtempSync(join(tmpdir(), "orion-bench-home-"));
  writeFileSync(join(home, "keys.json"), JSON.stringify(api.keyFile), { mode: 0o600 });
  const cli = spawnSync(
    process.execPath,
    [fileURLToPath(new URL("../bin/orion.mjs", import.meta.url)), "audit", "verify", "--json"],
    {
      env: { ...process.env, DATABASE_URL: api.databaseUrl, ORION_HOME: home },
      encoding: "utf8",
    },
  );
  rmSync(home, { recursive: true, force: true });
  const cliOut = JSON.parse(cli.stdout || "{}") as { ok?: boolean; rows?: number; elapsedMs?: number };
  emit({
    name: "orion audit verify",
    rows: inProcess.rows,
    ok: inProcess.ok && cliOut.ok === true && cli.status === 0,
    verifyMs: Math.round(verifyMs),
    cliVerifyMs: cliOut.elapsedMs,
    target: "< 5000 ms",
  });
} finally {
  await api.close();
}
