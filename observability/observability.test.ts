import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { isAlert, ruleGroups } from "../components/observability/catalogue.ts";
import { requireBinary } from "../test/support/binaries.ts";
import { generatedFiles } from "./files.ts";

const run = promisify(execFile);
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const ALERTMANAGER = here("alertmanager/alertmanager.yml");

const alerts = new Map(ruleGroups().flatMap((g) => g.rules.filter(isAlert).map((a) => [a.name, a])));

/** What promtool should see for a firing alert of the catalogue: its labels and annotations as generated. */
function firing(name: string, labels: Record<string, string> = {}) {
  const a = alerts.get(name);
  if (!a) throw new Error(`no alert ${name} in the catalogue`);
  return {
    exp_labels: { severity: a.severity, incident: a.name, ...labels },
    exp_annotations: { summary: a.summary, action: a.action, runbook: a.runbook },
  };
}

/** promtool unit tests on synthetic series (30 s scrape interval; `a+bxN` is N+1 samples from a, stepping b). */
function promtoolTests() {
  const api = (status: string, perScrape: number, scrapes = 400) => ({
    series: `orion_api_requests_total{service="orion-api",method="GET",route="/mode/status",status="${status}"}`,
    values: `0+${perScrape}x${scrapes}`,
  });
  const trades = (status: string, values: string) => ({
    series: `orion_trades_total{service="orion-executor",mode="live",epoch="3",status="${status}"}`,
    values,
  });
  const stageBucket = (le: string, perScrape: number) => ({
    series: `orion_stage_latency_seconds_bucket{service="orion-dev",mode="sim",epoch="1",stage="send",le="${le}"}`,
    values: `0+${perScrape}x60`,
  });
  return {
    rule_files: ["rules.yml"],
    evaluation_interval: "30s",
    tests: [
      {
        // 10% of requests fail: the 5xx alert and the fast burn (14.4 x 0.5% = 7.2%) fire; after 30 minutes unacknowledged,
        // both critical alerts are escalated as emergencies that keep their incident label.
        interval: "30s",
        input_series: [api("200", 90), api("503", 10)],
        promql_expr_test: [
          {
            expr: "orion:api_error_ratio:rate5m",
            eval_time: "10m",
            exp_samples: [{ labels: "orion:api_error_ratio:rate5m", value: 0.1 }],
          },
        ],
        alert_rule_test: [
          { eval_time: "4m", alertname: "ApiErrorRateHigh", exp_alerts: [] },
          { eval_time: "10m", alertname: "ApiErrorRateHigh", exp_alerts: [firing("ApiErrorRateHigh")] },
          { eval_time: "10m", alertname: "ErrorBudgetBurnFast", exp_alerts: [firing("ErrorBudgetBurnFast")] },
          { eval_time: "10m", alertname: "ErrorBudgetBurnMedium", exp_alerts: [] },
          { eval_time: "20m", alertname: "CriticalUnacknowledged", exp_alerts: [] },
          {
            eval_time: "45m",
            alertname: "CriticalUnacknowledged",
            exp_alerts: ["ApiErrorRateHigh", "ErrorBudgetBurnFast"].map((incident) => ({
              exp_labels: { severity: "emergency", incident, alertstate: "firing" },
              exp_annotations: {
                summary: alerts.get("CriticalUnacknowledged")?.summary,
                action: alerts.get("CriticalUnacknowledged")?.action,
                runbook: alerts.get("CriticalUnacknowledged")?.runbook,
              },
            })),
          },
        ],
      },
      {
        // 0.5% of requests fail: exactly the budget, below every burn threshold: nothing fires.
        interval: "30s",
        input_series: [api("200", 199), api("500", 1)],
        alert_rule_test: [
          "ApiErrorRateHigh",
          "ErrorBudgetBurnFast",
          "ErrorBudgetBurnMedium",
          "ErrorBudgetBurnSlow",
        ].map((alertname) => ({ eval_time: "3h", alertname, exp_alerts: [] })),
      },
      {
        // Three reverted trades within five minutes page; two do not. The count settles two minutes before each
        // evaluation: the alert may read the recording rule's value from the previous step (promtool evaluates
        // rule groups in no fixed order), so both steps must agree.
        interval: "30s",
        input_series: [trades("reverted", "0 0 1 1 2 2 2x18 3 4 5x8")],
        alert_rule_test: [
          { eval_time: "5m", alertname: "TradeFailures", exp_alerts: [] },
          { eval_time: "15m", alertname: "TradeFailures", exp_alerts: [firing("TradeFailures", { mode: "live" })] },
        ],
      },
      {
        // Today's loss at 85% of the limit is an emergency; at 50% it is not.
        interval: "30s",
        input_series: [
          {
            series: 'orion_daily_loss_ratio{service="orion-orchestrator",mode="live",epoch="3"}',
            values: "0.5x4 0.85x10",
          },
        ],
        alert_rule_test: [
          { eval_time: "2m", alertname: "PnlDrawdown", exp_alerts: [] },
          { eval_time: "5m", alertname: "PnlDrawdown", exp_alerts: [firing("PnlDrawdown", { mode: "live" })] },
        ],
      },
      {
        // A replica 90 s behind breaks the 60 s RPO.
        interval: "30s",
        input_series: [
          {
            series: 'cloudsql_googleapis_com:database_replication_replica_lag{database_id="p:orion-prod-db-r1"}',
            values: "5x4 90x10",
          },
        ],
        alert_rule_test: [
          {
            eval_time: "5m",
            alertname: "ReplicaLagBeyondRpo",
            exp_alerts: [firing("ReplicaLagBeyondRpo", { database_id: "p:orion-prod-db-r1" })],
          },
        ],
      },
      {
        // Every send takes 1-2.5 s: the send stage misses its 1 s p99 objective; nothing else is measured.
        interval: "30s",
        input_series: [stageBucket("0.5", 0), stageBucket("1", 0), stageBucket("2.5", 10), stageBucket("+Inf", 10)],
        promql_expr_test: [
          {
            expr: 'orion:stage_latency_seconds:p99_5m{stage="send"}',
            eval_time: "10m",
            exp_samples: [{ labels: 'orion:stage_latency_seconds:p99_5m{mode="sim",stage="send"}', value: 2.485 }],
          },
        ],
        alert_rule_test: [
          {
            eval_time: "20m",
            alertname: "StageLatencyHigh",
            exp_alerts: [firing("StageLatencyHigh", { mode: "sim", stage: "send" })],
          },
        ],
      },
    ],
  };
}

describe("Prometheus rules and dashboards generated from the catalogue", () => {
  let dir: string;
  let promtool: string;
  beforeAll(async () => {
    promtool = requireBinary("promtool", "prometheus");
    dir = await mkdtemp(join(tmpdir(), "orion-promtool-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("the committed files are exactly what the catalogue generates (run observability/generate.ts)", async () => {
    for (const [path, content] of Object.entries(generatedFiles())) {
      expect(await readFile(here(path), "utf8"), `observability/${path} is stale`).toBe(content);
    }
  });

  it("promtool accepts the rules and every synthetic scenario fires exactly the expected alerts", async () => {
    await writeFile(join(dir, "rules.yml"), generatedFiles()["prometheus/rules.yml"] ?? "");
    await writeFile(join(dir, "tests.yml"), stringify(promtoolTests()));
    await run(promtool, ["check", "rules", join(dir, "rules.yml")]);
    const result = await run(promtool, ["test", "rules", join(dir, "tests.yml")]).catch(
      (err: { stdout?: string; stderr?: string }) => {
        throw new Error(`promtool test rules failed:\n${err.stdout ?? ""}${err.stderr ?? String(err)}`);
      },
    );
    expect(result.stdout).toContain("SUCCESS");
  });

  it("dashboards query only series the rules record or the services export", () => {
    const recorded = new Set(ruleGroups().flatMap((g) => g.rules.flatMap((r) => (isAlert(r) ? [] : [r.record]))));
    const exported = /^(orion_[a-z_]+|ALERTS|cloudsql_googleapis_com:[a-z_]+)$/;
    for (const file of ["grafana/trading-flow.json", "grafana/control-plane.json"]) {
      const dashboard = JSON.parse(generatedFiles()[file] ?? "{}") as { panels: { targets: { expr: string }[] }[] };
      for (const expr of dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr))) {
        const names = expr.match(/[a-zA-Z_:][a-zA-Z0-9_:]*(?=\{|\[|\s*\/|\s*$|\))/g) ?? [];
        const series = names.filter((n) => n.includes(":") || n.startsWith("orion_") || n === "ALERTS");
        expect(series.length, `${file}: ${expr}`).toBeGreaterThan(0);
        for (const s of series) expect(recorded.has(s) || exported.test(s), `${file}: ${s}`).toBe(true);
      }
    }
  });
});

describe("Alertmanager routing (amtool)", () => {
  let amtool: string;
  beforeAll(() => {
    amtool = requireBinary("amtool", "prometheus-alertmanager");
  });
  const route = async (...labels: string[]) =>
    (await run(amtool, ["config", "routes", "test", `--config.file=${ALERTMANAGER}`, ...labels])).stdout.trim();

  it("is a valid configuration", async () => {
    await run(amtool, ["check-config", ALERTMANAGER]);
  });

  it.each([
    ["warning", "warning"],
    ["critical", "critical"],
    ["emergency", "emergency"],
  ])("routes severity=%s to the %s roster", async (severity, receiver) => {
    expect(await route(`severity=${severity}`, "incident=ApiErrorRateHigh")).toBe(receiver);
  });

  it("routes an escalated critical (CriticalUnacknowledged) to the emergency roster", async () => {
    const escalated = alerts.get("CriticalUnacknowledged");
    expect(escalated?.severity).toBe("emergency");
    expect(await route("alertname=CriticalUnacknowledged", "severity=emergency", "incident=TradeFailures")).toBe(
      "emergency",
    );
  });

  it("every severity the catalogue uses has its own receiver", async () => {
    for (const severity of new Set([...alerts.values()].map((a) => a.severity))) {
      expect(await route(`severity=${severity}`)).toBe(severity);
    }
  });
});
