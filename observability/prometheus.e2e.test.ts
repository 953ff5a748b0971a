import { spawn, type ChildProcess } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { isAlert, ruleGroups } from "../components/observability/catalogue.ts";
import { requireBinary } from "../test/support/binaries.ts";
import { startOrion, type RunningOrion } from "../test/support/orion-cli.ts";
import { orionSession } from "../test/support/orion-session.ts";
import { until } from "../test/support/until.ts";
import { prometheusRules } from "./rules.ts";

/** A port nobody listens on right now (Prometheus cannot report the port it got for :0). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  await new Promise((r) => server.close(r));
  if (typeof address !== "object" || address === null) throw new Error("no port");
  return address.port;
}

describe("a real Prometheus scraping orion dev", () => {
  const session = orionSession("prometheus");
  let dev: RunningOrion;
  let prometheus: ChildProcess;
  let promUrl: string;

  beforeAll(async () => {
    const binary = requireBinary("prometheus", "prometheus");
    const dir = session.dir;
    dev = startOrion(["dev", "--mode", "sim", "--port", "0", "--block-time", "300"], session.env());
    const banner = await dev.waitFor(/metrics (http:\/\/\S+) \| API (http:\/\/\S+)/, 150_000);
    const targets = [banner[1], `${banner[2]}/metrics`].map((u) => new URL(u ?? ""));

    // The shipped rules, evaluated every second instead of every 30 s so the test waits seconds, not minutes.
    await writeFile(join(dir, "rules.yml"), prometheusRules().replaceAll("interval: 30s", "interval: 1s"));
    await writeFile(
      join(dir, "prometheus.yml"),
      stringify({
        global: { scrape_interval: "1s", evaluation_interval: "1s" },
        rule_files: [join(dir, "rules.yml")],
        scrape_configs: targets.map((t, i) => ({
          job_name: i === 0 ? "orion-pipeline" : "orion-api",
          metrics_path: t.pathname,
          static_configs: [{ targets: [t.host] }],
        })),
      }),
    );
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      binary,
      [
        `--config.file=${join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(dir, "tsdb")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--log.level=warn",
      ],
      { stdio: "ignore" },
    );
  }, 180_000);

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((r) => prometheus.once("exit", r));
      prometheus.kill("SIGTERM");
      await exited;
    }
    await dev?.stop("SIGTERM", 60_000);
  }, 120_000);

  const query = async (promql: string) => {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as {
      data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    return body.data.result;
  };

  it("records the pipeline's stage latency and the API's error ratio from live scrapes", async () => {
    const latency = await until(
      async () => {
        const r = await query('orion:stage_latency_seconds:p99_5m{stage="detect", mode="sim"}');
        return r.length > 0 && Number.isFinite(Number(r[0]?.value[1])) ? r : undefined;
      },
      "a recorded detect p99",
      120_000,
    );
    expect(Number(latency[0]?.value[1])).toBeGreaterThan(0);
    const errors = await until(
      async () => {
        const r = await query("orion:api_error_ratio:rate5m");
        return r.length > 0 && r[0]?.value[1] !== "NaN" ? r : undefined;
      },
      "a recorded API error ratio",
      60_000,
    );
    expect(Number(errors[0]?.value[1])).toBe(0);
  }, 200_000);

  it("every metric the rules read is one the services export", async () => {
    const res = await fetch(`${promUrl}/api/v1/metadata`);
    const exported = new Set(Object.keys(((await res.json()) as { data: Record<string, unknown> }).data));
    const used = new Set(
      ruleGroups()
        .flatMap((g) => g.rules.map((r) => r.expr))
        .flatMap((expr) => expr.match(/\borion_[a-z_]+/g) ?? [])
        .map((name) => name.replace(/_(bucket|sum|count)$/, "")),
    );
    expect([...used].filter((name) => !exported.has(name))).toEqual([]);
    expect(used.size).toBeGreaterThanOrEqual(8);
    expect(ruleGroups().some((g) => g.rules.some(isAlert))).toBe(true);
  });
});
