import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LEDGER_ATTACKS, ledgerAttacksBySessionRoles } from "../../test/support/ledger-attacks.ts";
import { expectMixedTradesByTwoSources } from "../../test/support/mixed-trades.ts";
import { runOrion } from "../../test/support/orion-cli.ts";
import { orionSession } from "../../test/support/orion-session.ts";
import { alive } from "../../test/support/user-operation-report.ts";
import { expectOneTracePerOrder, startOtlpReceiver } from "../tracing/testing/otlp-receiver.ts";
import { sessionReportSchema } from "./report.ts";

const session = orionSession("services");

describe("orion dev --services (each bot its own `orion run` process; real devnet, PostgreSQL and Redis)", () => {
  it("live: four bot processes trade on the devnet, realized == predicted to the wei where nothing preceded; traces cross the processes", async () => {
    const file = join(session.dir, "services.json");
    // Two-second blocks: every live trade must land in the block after its own, and two busy cores run six processes.
    // Eight blocks: a trade confirms in nearly every one (34 in 20 blocks measured); one is all the test needs.
    const args = ["dev", "--services", "--mode", "live", "--blocks", "8", "--block-time", "2000", "--port", "0"];
    let attacks: Promise<Record<string, string[]>> | null = null;
    // Each bot exports its spans by OTLP from its own process to a local receiver.
    const otlp = await startOtlpReceiver();
    const run = await runOrion([...args, "--report", file], {
      env: session.env({ LOG_LEVEL: "fatal", OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url }),
      onStdout: (stdout) => {
        // Once the bots trade, every role their connections log in as tries to rewrite the ledger and run DDL.
        if (/^block \d+/m.test(stdout)) attacks ??= ledgerAttacksBySessionRoles(session.db.name);
      },
    }).finally(() => otlp.close());
    expect(run.code, run.stdout).toBe(0);
    // One role for the session and the four processes: a member of orion_app only, refused every rewrite.
    const outcomes = await attacks;
    const roles = Object.keys(outcomes ?? {});
    expect(roles).toHaveLength(1);
    expect(roles[0]).toMatch(/^orion_session_[0-9a-f]{12}$/);
    expect(outcomes?.[roles[0] ?? ""]).toEqual(LEDGER_ATTACKS.map(() => "42501"));
    const r = sessionReportSchema.parse(JSON.parse(await readFile(file, "utf8")));

    // Four bots, four processes of their own, all gone once the session ended.
    expect(r.processes?.map((p) => p.bot)).toEqual(["scanner", "orchestrator", "executor", "api"]);
    const pids = (r.processes ?? []).map((p) => p.pid);
    expect(new Set([...pids, process.pid]).size).toBe(5);
    for (const pid of pids) expect(alive(pid)).toBe(false);

    expect(r).toMatchObject({ mode: "live", chainId: 31337 });
    expect(r.blocks.to - r.blocks.from).toBeGreaterThanOrEqual(7);
    expect(r.orders).toBeGreaterThan(0);
    const confirmed = r.trades.filter((t) => t.status === "confirmed");
    expect(confirmed.length).toBeGreaterThanOrEqual(1);
    for (const t of confirmed) {
      expect(BigInt(t.realizedProfit ?? "-1")).toBeGreaterThan(0n);
      if (t.precededBy === 0) expect(t.realizedProfit).toBe(t.predictedProfit);
    }
    expect(confirmed.some((t) => t.precededBy === 0)).toBe(true);
    expectMixedTradesByTwoSources(r);
    // Every transaction the executor process broadcast is a reported trade.
    const broadcast = r.trades.filter((t) => t.txHash !== null).length;
    expect(r.executor.nonceEnd - r.executor.nonceStart).toBe(broadcast);
    expect(r.latencyMs.send.p50).toBeGreaterThan(0);

    // One order's spans share one trace id though three processes exported them: the trace crossed Redis Streams twice.
    for (const [block, decide, order] of expectOneTracePerOrder(otlp.spans)) {
      expect([block?.service, decide?.service, order?.service]).toEqual([
        "orion-scanner",
        "orion-orchestrator",
        "orion-executor",
      ]);
    }
  }, 600_000);

  it("refuses --services without Redis, with one line and exit 2", async () => {
    const run = await runOrion(["dev", "--services", "--blocks", "1"], {
      env: { ...process.env, REDIS_URL: "", DATABASE_URL: session.db.url },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "orion: dev --services: set REDIS_URL: the bots' processes talk to each other through Redis\n",
    );
  }, 60_000);
});
