/**
 * One running `orion dev` session (devnet, scanner, orchestrator and executor in one process, the API serving the
 * console), watched as an operator's tools watch it: a real Prometheus scrapes its /metrics and evaluates the shipped
 * rules, and the console in Chromium drives its kill switch. One session serves both (each started its own before):
 * the Prometheus checks come first, before anyone signs in or engages anything.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { isAlert, ruleGroups } from "../../components/observability/catalogue.ts";
import { prometheusRules } from "../../observability/rules.ts";
import { requireBinary } from "../../test/support/binaries.ts";
import { startOrion, type RunningOrion } from "../../test/support/orion-cli.ts";
import { orionSession } from "../../test/support/orion-session.ts";
import { until } from "../../test/support/until.ts";
import { totpCode } from "../identity/index.ts";
import { launchChromium, signInAt } from "./testing/browser.ts";
import { seedConsoleUser } from "./testing/operator.ts";

const WAIT = 60_000;
const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/console/", import.meta.url));

const session = orionSession("running");
let dev: RunningOrion | null = null;
let browser: Browser | null = null;
let prometheus: ChildProcess | null = null;
const operator = { email: "kim@example.com", password: "kim's long enough password", secret: "" };
let urls: { metrics: string; api: string; console: string; prometheus: string };

/** A port nobody listens on right now (Prometheus cannot report the port it got for :0). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  await new Promise((r) => server.close(r));
  if (typeof address !== "object" || address === null) throw new Error("no port");
  return address.port;
}

/** A real Prometheus scraping the pipeline's and the API's /metrics twice a second, with the shipped rules. */
async function startPrometheus(dir: string, targets: URL[]): Promise<{ child: ChildProcess; url: string }> {
  const binary = requireBinary("prometheus", "prometheus");
  // The shipped rules, evaluated twice a second instead of every 30 s: a recorded rate needs two scrapes and then an
  // evaluation, which the test waits for.
  await writeFile(join(dir, "rules.yml"), prometheusRules().replaceAll("interval: 30s", "interval: 500ms"));
  await writeFile(
    join(dir, "prometheus.yml"),
    stringify({
      global: { scrape_interval: "500ms", evaluation_interval: "500ms" },
      rule_files: [join(dir, "rules.yml")],
      scrape_configs: targets.map((t, i) => ({
        job_name: i === 0 ? "orion-pipeline" : "orion-api",
        metrics_path: t.pathname,
        static_configs: [{ targets: [t.host] }],
      })),
    }),
  );
  const port = await freePort();
  const child = spawn(
    binary,
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "tsdb")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: "ignore" },
  );
  return { child, url: `http://127.0.0.1:${port}` };
}

beforeAll(async () => {
  const seeded = await seedConsoleUser(session.db.url, session.dir, { ...operator, role: "operator" });
  operator.secret = seeded.totpSecret;
  dev = startOrion(
    ["dev", "--mode", "sim", "--block-time", "400", "--port", "0"],
    // The overview's figures every second (default 5 s): the kill switch test waits for the order count three times.
    session.env({ ORION_KEYS_FILE: seeded.keysFile, ORION_OVERVIEW_REFRESH_MS: "1000" }),
  );
  const [banner, launched] = await Promise.all([
    dev.waitFor(/ metrics (http:\S+) \| API (http:\S+) \| console (http:\S+)/, 240_000),
    launchChromium(),
  ]);
  browser = launched;
  const [metrics = "", api = "", consoleUrl = ""] = banner.slice(1);
  const started = await startPrometheus(session.dir, [new URL(metrics), new URL(`${api}/metrics`)]);
  prometheus = started.child;
  urls = { metrics, api, console: consoleUrl, prometheus: started.url };
}, 240_000);

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((r) => prometheus?.once("exit", r));
    prometheus.kill("SIGTERM");
    await exited;
  }
  await browser?.close();
  await dev?.stop("SIGINT", 30_000);
}, 120_000);

describe("a real Prometheus scraping orion dev", () => {
  const query = async (promql: string) => {
    const res = await fetch(`${urls.prometheus}/api/v1/query?query=${encodeURIComponent(promql)}`);
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
    const res = await fetch(`${urls.prometheus}/api/v1/metadata`);
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

/** A sample from the pipeline's /metrics: blocks scanned so far and whether the orchestrator halts orders. */
async function pipeline(): Promise<{ scanned: number; halted: boolean }> {
  const text = await (await fetch(urls.metrics)).text();
  const sum = (name: string) =>
    [...text.matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, "gm"))].reduce((a, m) => a + Number(m[1]), 0);
  return {
    scanned: sum("orion_stage_latency_seconds_count"),
    halted: /^orion_orders_halted\{[^}]*reason="kill-switch"[^}]*\} 1$/m.test(text),
  };
}

/** This session's orders as the journal holds them (what the overview counts). */
async function ordersInDb(): Promise<number> {
  const pool = new pg.Pool({ connectionString: session.db.url, max: 1 });
  try {
    const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM orders");
    return rows[0]?.n ?? 0;
  } finally {
    await pool.end();
  }
}

/** The overview's live count of this epoch's orders. */
async function orders(page: Page): Promise<number> {
  const text = await page.locator('dl[aria-label="This epoch"] dt:text-is("Orders") + dd').textContent();
  return Number(text);
}

/**
 * Engaging the kill switch stops the bots from placing orders, which the operator sees as the overview's live order
 * count standing still while blocks keep being scanned, and the orchestrator reports as halted on /metrics; releasing
 * it lets orders flow again.
 */
describe("the kill switch from the console stops a running orion dev session's bots", () => {
  it("orders stop while blocks keep being scanned, and resume after the release", async () => {
    const page = await (await (browser as Browser).newContext()).newPage();
    page.setDefaultTimeout(WAIT);
    await signInAt(page, urls.console, operator, totpCode(operator.secret, new Date()));
    await page.getByText("Live updates").waitFor();
    // The bots are trading: the overview's order count climbs on its own.
    const first = await orders(page);
    await expect.poll(() => orders(page), { timeout: WAIT }).toBeGreaterThan(first);
    // The overview of a running session, kept as a test artifact (the README's picture is one such).
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}overview-orion-dev.png` });

    await page.getByRole("link", { name: "Mode", exact: true }).click();
    await page.getByLabel("Kill switch reason").fill("drill against the running bots");
    await page.getByRole("button", { name: "Engage kill switch" }).click();
    await page.getByRole("status").filter({ hasText: "Kill switch engaged" }).waitFor();
    await expect.poll(async () => (await pipeline()).halted, { timeout: WAIT }).toBe(true);

    // Orders decided before the switch may still land; from a settled count on, none is added for several blocks.
    await page.getByRole("link", { name: "Overview", exact: true }).click();
    await page.getByText("engaged: drill against the running bots").waitFor();
    const before = await pipeline();
    await expect.poll(async () => (await pipeline()).scanned, { timeout: WAIT }).toBeGreaterThan(before.scanned + 3);
    const held = await ordersInDb();
    const later = await pipeline();
    await expect.poll(async () => (await pipeline()).scanned, { timeout: WAIT }).toBeGreaterThan(later.scanned + 10);
    expect(await ordersInDb()).toBe(held);
    // And the operator sees exactly that count on the live overview.
    await expect.poll(() => orders(page), { timeout: WAIT }).toBe(held);
    expect((await pipeline()).halted).toBe(true);

    await page.getByRole("link", { name: "Mode", exact: true }).click();
    await page.getByRole("button", { name: "Release kill switch" }).click();
    const dialog = page.getByRole("dialog", { name: "Release the kill switch" });
    // The sign-in burnt this step's code: the next step's is accepted (one step of drift) and is fresh.
    await dialog.getByLabel("One-time code").fill(totpCode(operator.secret, new Date(Date.now() + 30_000)));
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await page.getByRole("status").filter({ hasText: "Kill switch released" }).waitFor();
    await expect.poll(async () => (await pipeline()).halted, { timeout: WAIT }).toBe(false);
    await page.getByRole("link", { name: "Overview", exact: true }).click();
    await expect.poll(() => orders(page), { timeout: WAIT }).toBeGreaterThan(held);
  }, 300_000);
});
