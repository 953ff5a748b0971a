import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import pg from "pg";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOrion, type RunningOrion } from "../../test/support/orion-cli.ts";
import { orionSession } from "../../test/support/orion-session.ts";
import { totpCode } from "../identity/index.ts";
import { launchChromium, signInAt } from "./testing/browser.ts";
import { seedConsoleUser } from "./testing/operator.ts";

/**
 * The kill switch seen from the console against a real `orion dev` session (devnet, scanner, orchestrator and
 * executor in one process, the API serving the console): engaging it stops the bots from placing orders, which the
 * operator sees as the overview's live order count standing still while blocks keep being scanned, and the
 * orchestrator reports as halted on /metrics; releasing it lets orders flow again.
 */
const WAIT = 60_000;
const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/console/", import.meta.url));

const session = orionSession("killswitch");
let dev: RunningOrion | null = null;
let browser: Browser | null = null;
const operator = { email: "kim@example.com", password: "kim's long enough password", secret: "" };
let urls: { console: string; metrics: string };

beforeAll(async () => {
  const seeded = await seedConsoleUser(session.db.url, session.dir, { ...operator, role: "operator" });
  operator.secret = seeded.totpSecret;
  dev = startOrion(
    ["dev", "--mode", "sim", "--block-time", "400", "--port", "0"],
    session.env({ ORION_KEYS_FILE: seeded.keysFile }),
  );
  const [banner, launched] = await Promise.all([
    dev.waitFor(/ metrics (http:\S+) \| API \S+ \| console (http:\S+)/, 240_000),
    launchChromium(),
  ]);
  browser = launched;
  urls = { metrics: banner[1] ?? "", console: banner[2] ?? "" };
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await dev?.stop("SIGINT", 30_000);
}, 90_000);

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
