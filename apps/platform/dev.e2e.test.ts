import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LEDGER_ATTACKS, ledgerAttacksBySessionRoles } from "../../test/support/ledger-attacks.ts";
import { expectMixedTradesByTwoSources } from "../../test/support/mixed-trades.ts";
import { ORION, runOrion } from "../../test/support/orion-cli.ts";
import { orionInProcess } from "../../test/support/orion-in-process.ts";
import { orionSession } from "../../test/support/orion-session.ts";
import { TEST_REDIS_URL } from "../../test/support/redis.ts";
import { until } from "../../test/support/until.ts";
import { createRedisControlStore } from "../control/index.ts";
import { expectOneTracePerOrder, startOtlpReceiver } from "../tracing/testing/otlp-receiver.ts";
import { sessionReportSchema, type SessionReport } from "./report.ts";

const session = orionSession("dev");
const prefix = session.prefix;
/** A block the orchestrator decided (a head skipped as stale on arrival has a line of its own, never decided). */
const decided = (line: string) => /^block \d+ \|.* \| decided in /.test(line);

/** Runs `orion dev` as a user would, against the test database; resolves with exit code, output and the report. */
function orionDev(args: string[], env: Record<string, string> = {}, onLine: (line: string) => void = () => undefined) {
  let seen = 0;
  return runOrion(["dev", ...args], {
    env: session.env({ REDIS_URL: "", ...env }),
    onStdout: (stdout) => {
      const lines = stdout.split("\n");
      // Each complete line once.
      for (const line of lines.slice(seen, -1)) if (line) onLine(line);
      seen = Math.max(seen, lines.length - 1);
    },
  });
}

async function report(file: string): Promise<SessionReport> {
  return sessionReportSchema.parse(JSON.parse(await readFile(file, "utf8")));
}

describe("orion dev end to end (devnet on 127.0.0.1, real PostgreSQL)", () => {
  it("live: trades on the devnet, none at a loss, realized == predicted to the wei where nothing preceded", async () => {
    const file = join(session.dir, "live.json");
    let attacks: Promise<Record<string, string[]>> | null = null;
    // Sixteen blocks: both flash sources must show among the confirmed trades, and a mixed one with nothing ahead of
    // it; a clean clone's ten blocks beside two other sessions once held only Balancer's mixed trades.
    const run = await orionDev(
      ["--mode", "live", "--blocks", "16", "--block-time", "400", "--port", "0", "--report", file],
      {},
      (line) => {
        // While it trades, every role the session's connections log in as tries to rewrite the ledger and run DDL.
        if (line.startsWith("block ")) attacks ??= ledgerAttacksBySessionRoles(session.db.name);
      },
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const outcomes = await attacks;
    const roles = Object.keys(outcomes ?? {});
    expect(roles).toHaveLength(1);
    expect(roles[0]).toMatch(/^orion_session_[0-9a-f]{12}$/);
    expect(outcomes?.[roles[0] ?? ""]).toEqual(LEDGER_ATTACKS.map(() => "42501"));
    expect(run.stdout).toContain(`PostgreSQL: the services connect as ${roles[0]}, a member of orion_app only`);
    expect(run.stdout).not.toContain("could rewrite the audit ledger");
    const r = await report(file);
    expect(r).toMatchObject({ mode: "live", chainId: 31337 });
    expect(r.blocks.to - r.blocks.from).toBe(15);
    const confirmed = r.trades.filter((t) => t.status === "confirmed");
    expect(confirmed.length).toBeGreaterThanOrEqual(2);
    for (const t of confirmed) {
      expect(t.txHash).toMatch(/^0x[0-9a-f]{64}$/);
      expect(BigInt(t.realizedProfit ?? "-1")).toBeGreaterThan(0n);
      if (t.precededBy === 0) expect(t.realizedProfit).toBe(t.predictedProfit);
    }
    // Mixed V2/V3 cycles, funded by a V2 flash swap (V2 first) and by Balancer's free loan (V3 first).
    expectMixedTradesByTwoSources(r);
    // Every broadcast transaction is a reported trade: nothing sent that the journal does not know.
    const broadcast = r.trades.filter((t) => t.txHash !== null).length;
    expect(r.executor.nonceEnd - r.executor.nonceStart).toBe(broadcast);
    expect(run.stdout).toMatch(/confirmed .* realized \+[\d.]+ WETH \(= predicted\)/);
    expect(r.latencyMs.send.p50).toBeGreaterThan(0);
  }, 240_000);

  it("sim over Redis (bus, control store, API): simulates, broadcasts nothing, halts on the kill switch; one trace per order across the bus", async () => {
    const file = join(session.dir, "sim.json");
    const probes: Promise<[number, string]>[] = [];
    let blockLines = 0;
    let simulatedLines = 0;
    let pulled = false;
    // Spans leave by OTLP to a local receiver: the traces are checked on this session rather than a session of their own.
    const otlp = await startOtlpReceiver();
    const run = await orionDev(
      ["--mode", "sim", "--blocks", "10", "--block-time", "400", "--port", "0", "--report", file],
      {
        REDIS_URL: TEST_REDIS_URL,
        ORION_REDIS_PREFIX: prefix,
        ORION_KEYS_FILE: join(session.dir, "keys.json"),
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      },
      (line) => {
        if (decided(line)) blockLines++;
        if (line.trimStart().startsWith("simulated ")) simulatedLines++;
        // Mid-session, once a trade was simulated (on a busy machine the first heads may publish nothing), an operator
        // pulls the kill switch from another client of the same store.
        if (!pulled && blockLines >= 3 && simulatedLines > 0) {
          pulled = true;
          const operator = createRedisControlStore({ url: TEST_REDIS_URL, keyPrefix: prefix });
          probes.push(
            operator
              .setKillSwitch(true, "e2e drill", "test")
              .then(() => operator.close())
              .then(() => [0, "engaged"] as [number, string]),
          );
        }
        const api = / API (http:\S+)/.exec(line)?.[1];
        const metrics = / metrics (http:\S+)/.exec(line)?.[1];
        if (api && metrics) {
          // Probed while the session runs: the API answers on --port, the pipeline's metrics next to it once a
          // published block has been counted (under load the first heads may be stale and publish nothing).
          probes.push(fetch(`${api}/healthz`).then(async (r) => [r.status, await r.text()]));
          probes.push(
            until(async () => {
              const r = await fetch(metrics);
              const body = await r.text();
              return body.includes("orion_opportunities_total{") ? ([r.status, body] as [number, string]) : undefined;
            }, "the pipeline's metrics counting opportunities"),
          );
        }
      },
    ).finally(() => otlp.close());
    expect(probes).toHaveLength(3);
    const [health, metrics] = await Promise.all(probes);
    expect(health?.[0]).toBe(200);
    const [metricsStatus, metricsBody] = metrics ?? [0, ""];
    expect(metricsStatus).toBe(200);
    expect(metricsBody).toMatch(/orion_opportunities_total\{mode="sim",epoch="\d+",service="orion-dev"\}/);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const r = await report(file);
    expect(r.mode).toBe("sim");
    expect(r.executor.nonceEnd).toBe(r.executor.nonceStart);
    expect(r.trades.filter((t) => t.status === "simulated").length).toBeGreaterThanOrEqual(1);
    for (const t of r.trades) {
      expect(["simulated", "rejected"]).toContain(t.status);
      expect(t.txHash).toBeNull();
    }
    expect(r.latencyMs.send).toEqual({ p50: 0, p99: 0 });
    // Once the switch is seen, every later block is refused whole (the block being decided at that moment may not).
    const lines = run.stdout.split("\n");
    const engaged = lines.findIndex((l) => l.includes("kill switch ENGAGED"));
    expect(engaged).toBeGreaterThan(0);
    const blockOf = (l: string) => (decided(l) ? Number(/^block (\d+)/.exec(l)?.[1]) : -1);
    const lastBefore = Math.max(...lines.slice(0, engaged).map(blockOf));
    const later = lines.filter((l) => blockOf(l) > lastBefore + 1);
    expect(later.length).toBeGreaterThan(0);
    for (const l of later) expect(l).toContain("HALTED: kill-switch");
    // Every order's executor span shares one trace with the orchestrator's decision and the scanner's block.
    expectOneTracePerOrder(otlp.spans);
  }, 240_000);

  // The parser's refusals in this process; the real binary once, below.
  it.each([
    [["--mode", "paper"], /--mode|mode/],
    [["--port", "http"], /--port must be a whole number/],
    [["--report", "/no/such/dir/r.json"], /--report .*does not exist/],
    [["--relay", "--execution", "erc4337"], /dev --relay: only with --execution eoa/],
  ])("refuses bad usage %j with one line and exit 2, before starting anything", async (args, message) => {
    const run = await orionInProcess(["dev", ...args], { ...process.env, DATABASE_URL: "postgres://127.0.0.1:1/none" });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });

  it("the binary refuses bad usage the same way: exit 2, one line", () => {
    const run = spawnSync(process.execPath, [ORION, "dev", "--mode", "paper"], {
      encoding: "utf8",
      env: { ...process.env, DATABASE_URL: "postgres://127.0.0.1:1/none" },
    });
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/--mode|mode/);
  });
});
