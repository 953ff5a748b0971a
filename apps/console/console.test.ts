import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AxeBuilder } from "@axe-core/playwright";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anchorChain, AnchorDirectory, anchorKey } from "../audit/index.ts";
import { CONSOLE_DIST, REFRESH_COOKIE } from "../api/console/index.ts";
import { ApiHarness, type TestUser } from "../api/testing/harness.ts";
import { recordOrders } from "../store/testing/orders.ts";
import { launchChromium, signInAt } from "./testing/browser.ts";

/** Screenshots of every page, kept as test artifacts (gitignored). */
const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/console/", import.meta.url));
const LIVE_PHRASE = "switch to live with real capital";
const WAIT = { timeout: 30_000 };

let h: ApiHarness;
let anchors: string;
let base: string;
let browser: Browser;
let admin: TestUser;
let admin2: TestUser;
let operator: TestUser;
let viewer: TestUser;
const contexts: BrowserContext[] = [];

async function seedTrades(): Promise<void> {
  for (let i = 0; i < 12; i++) {
    const id = randomUUID();
    const profit = (BigInt(3 + ((i * 7) % 11)) * 10n ** 15n).toString();
    // The decision record first: the journal refuses a trade without its order.
    const order = { opportunityId: id, mode: "sim" as const, epoch: 1, blockNumber: 100 + i, baseToken: "0x00" };
    const amounts = { amountIn: 10n ** 18n, predictedProfit: BigInt(profit), minProfit: 0n };
    await recordOrders(h.pool, [{ ...order, ...amounts, pools: [], tokens: [] }]);
    await h.pool.query(
      `INSERT INTO trades (id, opportunity_id, mode, epoch, order_block, base_token, pools, tokens, amount_in,
                           predicted_profit, min_profit, status, simulated_profit, created_at)
       VALUES ($1, $2, 'sim', 1, $3, '0x00', '{}', '{}', $4, $5, 0, 'simulated', $5, now() - ($6 || ' minutes')::interval)`,
      [id, id, 100 + i, (10n ** 18n).toString(), profit, String(60 - i * 5)],
    );
  }
}

beforeAll(async () => {
  if (!existsSync(`${CONSOLE_DIST}index.html`))
    throw new Error(`the console is not built (${CONSOLE_DIST}): run npm run build:console`);
  anchors = await mkdtemp(join(tmpdir(), "orion-console-anchors-"));
  h = await ApiHarness.start({
    // Anchored when the test says so (the periodic anchorer would race the tampering below).
    anchors: { dir: anchors, intervalMs: 3_600_000 },
    chainChecks: {
      rpc: async () => ({ ok: true, detail: "head 2 s old" }),
      executor: async () => ({ ok: true, detail: "deployed, owned" }),
      signer: async () => ({ ok: true, detail: "funded" }),
    },
  });
  [admin, admin2, operator, viewer] = await Promise.all([
    h.createUser("admin", "alice@example.com"),
    h.createUser("admin", "bob@example.com"),
    h.createUser("operator", "olga@example.com"),
    h.createUser("viewer", "victor@example.com"),
  ]);
  await h.recordSignedReport({
    generatedAt: new Date().toISOString(),
    source: { kind: "program", stack: "prod", file: null },
    frameworks: ["soc2", "pci-dss-4.0", "cis-gcp-3.0"],
    summary: { resources: 259, controls: 3, violations: 0, mandatory: 0, advisory: 0 },
    controls: [
      {
        id: "SQL-001",
        title: "Cloud SQL requires TLS",
        frameworks: { soc2: ["CC6.7"], "pci-dss-4.0": ["4.2.1"], "cis-gcp-3.0": ["6.4"] },
        status: "pass",
        checked: 3,
        failed: 0,
      },
      {
        id: "KMS-005",
        title: "KMS administration is separated from key use",
        frameworks: { soc2: ["CC6.3"], "pci-dss-4.0": ["3.6.1"], "cis-gcp-3.0": ["1.11"] },
        status: "pass",
        checked: 49,
        failed: 0,
      },
      {
        id: "NET-005",
        title: "A VPC Service Controls perimeter covers the data services",
        frameworks: { soc2: ["CC6.6"] },
        status: "not-applicable",
        checked: 0,
        failed: 0,
      },
    ],
    violations: [],
  });
  await seedTrades();
  const address = await h.app.listen({ port: 0, host: "127.0.0.1" });
  base = address.replace("localhost", "127.0.0.1");
  browser = await launchChromium();
  await mkdir(ARTIFACTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await h?.close();
  await rm(anchors, { recursive: true, force: true });
}, 60_000);

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT.timeout);
  return page;
}

/**
 * Signed-in pages by user, for later tests that only need someone signed in: a new context and a sign-in cost seconds
 * of a busy core each, and a page left open keeps rendering the live updates. A test that ends a session drops its page.
 */
const signedIn = new Map<string, Page>();

async function signIn(page: Page, user: TestUser): Promise<void> {
  await signInAt(page, `${base}/console/`, user, h.code(user));
  signedIn.set(user.id, page);
}

/** A page signed in as `user` on the overview, where a sign-in lands: the one an earlier test left, else a new one. */
async function pageAs(user: TestUser): Promise<Page> {
  const kept = signedIn.get(user.id);
  if (kept) {
    await visit(kept, "Overview", "Overview");
    return kept;
  }
  const page = await newPage();
  await signIn(page, user);
  return page;
}

async function visit(page: Page, path: string, heading: string | RegExp): Promise<void> {
  await page.getByRole("link", { name: path, exact: true }).click();
  await page.getByRole("heading", { level: 1, name: heading }).waitFor();
}

describe("the operator console in Chromium", () => {
  it("serves the console from the API's origin under a strict CSP without inline scripts", async () => {
    const res = await fetch(`${base}/console/`);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it("signs in with password and a real TOTP code; the refresh token is an httpOnly SameSite=Strict cookie", async () => {
    const page = await newPage();
    const errors: string[] = [];
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await page.goto(`${base}/console/`);
    await page.getByLabel("Email").fill(operator.email);
    await page.getByLabel("Password", { exact: true }).fill(operator.password);
    await page.getByLabel("One-time code").fill("000000");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toMatch(/wrong/);
    await signIn(page, operator);
    await page.getByText("Live updates").waitFor();
    await page.getByRole("term").filter({ hasText: "Mode" }).first().waitFor();
    const cookies = await page.context().cookies();
    const refresh = cookies.find((c) => c.name === "orion_refresh");
    expect(refresh).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/auth" });
    expect(await page.evaluate("document.cookie")).not.toContain("orion_refresh");
    expect(await page.evaluate("JSON.stringify(localStorage) + JSON.stringify(sessionStorage)")).toBe("{}{}");
    // A reload keeps the session through the cookie, with no password asked again.
    await page.reload();
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    expect(errors.filter((e) => /Content Security Policy/.test(e))).toEqual([]);
  });

  it("engages the kill switch (the overview updates live) and releases it with a fresh second factor", async () => {
    const page = await pageAs(operator);
    await visit(page, "Mode", "Mode and kill switch");
    await page.getByLabel("Kill switch reason").fill("console drill");
    await page.getByRole("button", { name: "Engage kill switch" }).click();
    await page.getByRole("status").filter({ hasText: "Kill switch engaged" }).waitFor();
    expect((await h.control.read()).killSwitch).toMatchObject({ engaged: true, reason: "console drill" });
    await visit(page, "Overview", "Overview");
    await page.getByText("engaged: console drill").waitFor();

    await visit(page, "Mode", "Mode and kill switch");
    await page.getByRole("button", { name: "Release kill switch" }).click();
    const dialog = page.getByRole("dialog", { name: "Release the kill switch" });
    await dialog.getByLabel("One-time code").fill(h.code(operator));
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await page.getByRole("status").filter({ hasText: "Kill switch released" }).waitFor();
    expect((await h.control.read()).killSwitch.engaged).toBe(false);
  });

  it("switches to live only when a second admin approves in another browser context", async () => {
    const first = await pageAs(admin);
    await visit(first, "Mode", "Mode and kill switch");
    await first.getByLabel("Reason", { exact: true }).fill("quarterly go-live");
    await first.getByLabel(`Type "${LIVE_PHRASE}" to confirm`).fill(LIVE_PHRASE);
    await first.getByRole("button", { name: "Request live mode" }).click();
    await first.getByRole("status").filter({ hasText: "second admin must approve" }).waitFor();
    expect((await h.control.read()).mode).toBe("sim");

    // Signed in after the request: an overview stream open before it shows a new request only at its periodic
    // refresh (every 5 s; the stream pushes control changes at once, and a request is not one).
    const second = await pageAs(admin2);
    await visit(second, "Mode", "Mode and kill switch");
    await second.getByRole("button", { name: "Approve request quarterly go-live" }).click();
    const dialog = second.getByRole("dialog", { name: "Approve the switch to live" });
    await dialog.getByLabel("One-time code").fill(h.code(admin2));
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await second.getByRole("status").filter({ hasText: "Approved" }).waitFor();
    // The requester's console learns of it by server-sent events, without a reload.
    await first.getByLabel("Current mode").filter({ hasText: "live" }).waitFor();
    expect((await h.control.read()).mode).toBe("live");

    await visit(first, "Mode", "Mode and kill switch");
    await first.getByRole("button", { name: "Switch to sim now" }).click();
    await first.getByLabel("Current mode").filter({ hasText: "sim" }).waitFor();
  });

  it("users: an admin creates an account, changes its role, a second admin approves a privileged grant, and disables it", async () => {
    const first = await pageAs(admin);
    // The second admin's page is open on the users before the grant exists: the grant comes to it unasked.
    const second = await pageAs(admin2);
    await visit(second, "Users", "Users");
    await visit(first, "Users", "Users");
    await first.getByRole("cell", { name: operator.email, exact: true }).waitFor();
    const email = "nina@example.com";
    await first.getByLabel("Email").fill(email);
    await first.getByLabel("Role", { exact: true }).selectOption("viewer");
    await first.getByLabel("Initial password").fill("nina's long initial password");
    await first.getByRole("button", { name: "Create user" }).click();
    await first
      .getByRole("status")
      .filter({ hasText: `Created ${email}. One-time-code secret` })
      .waitFor();
    const row = first.getByRole("row").filter({ has: first.getByRole("cell", { name: email, exact: true }) });
    await row.getByRole("cell", { name: "viewer", exact: true }).waitFor();
    const nina = await h.users.findByEmail(email);
    expect(nina).toMatchObject({ role: "viewer", createdBy: admin.id, disabled: false });

    // A role that cannot switch, approve or change limits applies at once.
    await first.getByLabel(`New role for ${email}`).selectOption("trader");
    await first.getByRole("button", { name: `Change role of ${email}` }).click();
    await first
      .getByRole("status")
      .filter({ hasText: `${email} is now trader` })
      .waitFor();
    await row.getByRole("cell", { name: "trader", exact: true }).waitFor();

    // A privileged one waits for a second admin; the requester cannot approve it.
    await first.getByLabel(`New role for ${email}`).selectOption("admin");
    await first.getByRole("button", { name: `Change role of ${email}` }).click();
    await first
      .getByRole("status")
      .filter({ hasText: `A second admin must approve admin for ${email}` })
      .waitFor();
    await first.getByRole("cell", { name: "waiting for another admin" }).waitFor();
    expect((await h.users.findById(nina?.id ?? ""))?.role).toBe("trader");

    await second.getByRole("button", { name: `Approve admin for ${email}` }).click();
    const approve = second.getByRole("dialog", { name: `Approve admin for ${email}` });
    await approve.getByLabel("One-time code").fill(h.code(admin2));
    await approve.getByRole("button", { name: "Confirm" }).click();
    await second
      .getByRole("status")
      .filter({ hasText: `Granted admin to ${email}` })
      .waitFor();
    expect((await h.users.findById(nina?.id ?? ""))?.role).toBe("admin");

    // Disabling asks for a reason and a fresh code, ends the account's sessions and is on the ledger.
    await second.getByRole("button", { name: `Disable ${email}` }).click();
    const dialog = second.getByRole("dialog", { name: `Disable ${email}` });
    await dialog.getByLabel("Reason").fill("left the team");
    await dialog.getByLabel("One-time code").fill(h.code(admin2));
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await second
      .getByRole("status")
      .filter({ hasText: `${email} is disabled` })
      .waitFor();
    const disabledRow = second.getByRole("row").filter({ has: second.getByRole("cell", { name: email, exact: true }) });
    await disabledRow.getByRole("cell", { name: "disabled", exact: true }).waitFor();
    expect(await disabledRow.getByRole("button").count()).toBe(0);
    expect((await h.users.findById(nina?.id ?? ""))?.disabled).toBe(true);
    const rows = await h.ledger().list({ action: "users.disabled", subject: nina?.id ?? "", limit: 5 });
    expect(rows.map((r) => [r.actor, r.detail.reason])).toEqual([[admin2.id, "left the team"]]);
  });

  it("shows a viewer no admin control, and the API refuses the viewer's forged request", async () => {
    const page = await pageAs(viewer);
    const nav = page.getByRole("navigation", { name: "Pages" });
    await expect(nav.getByRole("link").allTextContents()).resolves.toEqual([
      "Overview",
      "Mode",
      "Trades",
      "Opportunities",
      "P&L",
      "Risk limits",
    ]);
    await visit(page, "Mode", "Mode and kill switch");
    for (const name of ["Engage kill switch", "Release kill switch", "Request live mode", "Switch to sim now"])
      expect(await page.getByRole("button", { name }).count()).toBe(0);
    await visit(page, "Risk limits", "Risk limits");
    expect(await page.getByRole("button", { name: "Save limits" }).count()).toBe(0);

    // Typing the users page's address shows the overview: the page is not there for this role.
    await page.goto(`${base}/console/#/users`);
    await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    expect(await page.getByRole("button", { name: /^(Disable|Change role of|Create user)/ }).count()).toBe(0);

    const forged = await page.evaluate(
      async ({ email, password, totp, adminId }) => {
        const login = await fetch("/auth/login", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email, password, totp }),
        });
        const { accessToken } = (await login.json()) as { accessToken: string };
        const send = async (method: string, path: string, body?: unknown) =>
          (
            await fetch(path, {
              method,
              headers: { "content-type": "application/json", authorization: `Bearer ${accessToken}` },
              ...(body === undefined ? {} : { body: JSON.stringify(body) }),
            })
          ).status;
        return [
          await send("POST", "/killswitch", { engaged: true, reason: "forged by a viewer" }),
          await send("GET", "/users"),
          await send("POST", `/users/${adminId}/disable`, { reason: "forged by a viewer" }),
          await send("POST", "/users", { email: "mallory@example.com", role: "admin", password: "forged by a viewer" }),
        ];
      },
      { email: viewer.email, password: viewer.password, totp: h.code(viewer), adminId: admin.id },
    );
    expect(forged).toEqual([403, 403, 403, 403]);
    expect((await h.users.findById(admin.id))?.disabled).toBe(false);
    expect(await h.users.findByEmail("mallory@example.com")).toBeNull();
    expect((await h.control.read()).killSwitch.engaged).toBe(false);
  });

  it("every page passes axe with no serious or critical violation; a screenshot of each is kept", async () => {
    const page = await pageAs(admin);
    await page.getByText("Live updates").waitFor();
    // Each page with what shows that its data has arrived.
    const pages: [string, string, string][] = [
      ["Overview", "Overview", "Health"],
      ["Mode", "Mode and kill switch", "Pending requests"],
      ["Trades", "Trades", "simulated"],
      ["Opportunities", "Opportunities", "Opportunities and the orchestrator"],
      ["P&L", "P&L per epoch", "Each epoch starts at zero"],
      ["Risk limits", "Risk limits", "dailyLossLimitWei"],
      ["Audit", "Audit ledger", "Chain intact"],
      ["Compliance", "Compliance", "KMS-005"],
      ["Users", "Users", "victor@example.com"],
    ];
    const findings: string[] = [];
    for (const [link, heading, loaded] of pages) {
      await visit(page, link, heading);
      await page.getByText(loaded).filter({ visible: true }).first().waitFor();
      // axe.run in the page itself (legacy mode): the console has no frames, and the default (axe injected three
      // times, results finished in a new blank page) took twice as long for the same findings (checked page by page:
      // the same violations, passes, incomplete and inapplicable rules on the same nodes).
      const axe = new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21aa"]).setLegacyMode();
      const result = await axe.analyze();
      for (const v of result.violations.filter((x) => x.impact === "serious" || x.impact === "critical"))
        findings.push(`${link}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
      const file = link.toLowerCase().replace(/[^a-z]+/g, "-");
      await page.screenshot({ path: `${ARTIFACTS}${file}.png`, fullPage: true });
    }
    expect(findings).toEqual([]);
    await page.goto(`${base}/console/`);
    signedIn.delete(admin.id);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to Alpha-Orion" }).waitFor();
    const again = await page.context().cookies();
    expect(again.find((c) => c.name === "orion_refresh")).toBeUndefined();
  });

  it("returns to sign-in when the session has ended (revoked everywhere)", async () => {
    const page = await pageAs(operator);
    // Every session ends, so no page kept signed in is usable after this test.
    signedIn.clear();
    const other = await h.login(operator);
    const res = await h.request("POST", "/auth/sessions/revoke-all", { token: other.accessToken });
    expect(res.statusCode).toBe(200);
    await visit(page, "Trades", "Trades").catch(() => undefined);
    await page.getByRole("heading", { name: "Sign in to Alpha-Orion" }).waitFor();
  });

  it("audit: the ledger filters by action and outcome, and shows the chain's verification against its anchor", async () => {
    await anchorChain(h.pool, anchorKey(h.keys.kek), new AnchorDirectory(anchors), h.now());
    const page = await pageAs(admin);
    await visit(page, "Audit", "Audit ledger");
    await page
      .getByRole("status")
      .filter({ hasText: /Chain intact: \d+ rows.* matches the signed anchor of row \d+/ })
      .waitFor();

    const actions = () => page.locator("tbody tr td:nth-child(4)").allTextContents();
    await page.getByLabel("Action").fill("auth.login");
    await expect.poll(async () => [...new Set(await actions())], { timeout: WAIT.timeout }).toEqual(["auth.login"]);
    await page.getByLabel("Action").fill("");
    await page.getByLabel("Outcome").selectOption("denied");
    const outcomes = () => page.locator("tbody tr td:nth-child(5)").allTextContents();
    await expect.poll(async () => [...new Set(await outcomes())], { timeout: WAIT.timeout }).toEqual(["denied"]);

    // Someone with the database's owner rights rewrites a row: the next verification names it.
    const c = await h.pool.connect();
    try {
      await c.query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete");
      await c.query("UPDATE audit_log SET actor = 'nobody' WHERE seq = 3");
    } finally {
      await c.query("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete");
      c.release();
    }
    await page.getByRole("button", { name: "Verify again" }).click();
    await page.getByRole("alert").filter({ hasText: "Chain broken at row 3" }).waitFor();
  });

  it("refreshes the access token in the background from the cookie: the operator notices nothing", async () => {
    const user = await h.createUser("operator", "rita@example.com");
    const page = await newPage();
    // The page's clock starts at the API's (which earlier codes moved forward) and is moved in step with it.
    await page.clock.install({ time: h.now() });
    await signIn(page, user);
    await page.getByText("Live updates").waitFor();
    const refreshes: string[] = [];
    const unauthorized: string[] = [];
    page.on("response", (r) => r.status() === 401 && unauthorized.push(r.url()));
    // Counted once the new token's body has arrived, not when the request left.
    page.on("requestfinished", (r) => {
      if (r.url().endsWith("/auth/refresh"))
        void r.response().then((res) => res?.status() === 200 && refreshes.push(r.url()));
    });

    // 280 s later (the token lives 300 s): the console has refreshed a minute before expiry, unasked.
    h.advance(280_000);
    await page.clock.fastForward(280_000);
    await expect.poll(() => refreshes.length, { timeout: WAIT.timeout }).toBeGreaterThanOrEqual(1);
    // Past the first token's expiry: requests carry the new one.
    h.advance(60_000);
    await page.clock.fastForward(60_000);
    await visit(page, "Trades", "Trades");
    await page.getByRole("cell", { name: "simulated" }).first().waitFor();
    await visit(page, "Overview", "Overview");
    await page.getByText("Live updates").waitFor();
    expect(unauthorized).toEqual([]);
    expect(await page.getByRole("heading", { name: "Sign in to Alpha-Orion" }).count()).toBe(0);
    // Nothing secret where a script could read it.
    expect(await page.evaluate("JSON.stringify(localStorage) + JSON.stringify(sessionStorage)")).toBe("{}{}");
    expect(await page.evaluate("document.cookie")).not.toContain(REFRESH_COOKIE);
  });

  it("sends an expired session back to sign-in", async () => {
    const user = await h.createUser("operator", "eve@example.com");
    const page = await newPage();
    await signIn(page, user);
    // The session reaches the end of its lifetime (its key in Redis expires, as it does 12 hours after sign-in)
    // and the access token runs out.
    for (const sid of await h.redis.smembers(`${h.prefix}usess:${user.id}`))
      await h.redis.pexpire(`${h.prefix}sess:${sid}`, 1);
    h.advance(301_000);
    await visit(page, "Trades", "Trades").catch(() => undefined);
    await page.getByRole("heading", { name: "Sign in to Alpha-Orion" }).waitFor();
    expect((await page.context().cookies()).find((c) => c.name === REFRESH_COOKIE)).toBeUndefined();
  });
});
