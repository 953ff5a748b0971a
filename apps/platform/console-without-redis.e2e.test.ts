import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/support/postgres.ts";
import { launchChromium, signInAt } from "../console/testing/browser.ts";
import { seedConsoleUser } from "../console/testing/operator.ts";
import { totpCode } from "../identity/index.ts";
import { runDev, type DevSession } from "./run.ts";

/**
 * `orion dev` as `npm start` runs it on a machine with only Node: no REDIS_URL. The session runs in this process
 * (devnet child, scanner, orchestrator, executor, and the API serving the console); its sessions, rate limits and
 * lockouts live in the session's PostgreSQL. A real sign-in with a TOTP code, an authenticated call, a refresh and
 * a logout go over HTTP, and a sign-in through the console in Chromium reaches the overview.
 */
let db: TestDatabase;
let dir: string;
let browser: Browser | null = null;
const abort = new AbortController();
let session: Promise<DevSession> | null = null;
const lines: string[] = [];
const user = { email: "ada@example.com", password: "ada's long enough password", secret: "" };
let api = "";
let consoleUrl = "";
const saved = { ...process.env };

beforeAll(async () => {
  db = await createTestDatabase("orion_noredis");
  dir = await mkdtemp(join(tmpdir(), "orion-noredis-"));
  const seeded = await seedConsoleUser(db.url, dir, { ...user, role: "operator" });
  const keysFile = seeded.keysFile;
  user.secret = seeded.totpSecret;
  // The API reads its keys and home from the environment, as `orion dev` passes it on; no Redis anywhere.
  for (const name of ["REDIS_URL", "REDIS_HOST", "ORION_CONTROL_REDIS_URL", "ORION_SESSION_STORE"]) {
    delete process.env[name];
  }
  process.env.ORION_HOME = dir;
  process.env.ORION_KEYS_FILE = keysFile;
  const announced = new Promise<void>((resolve) => {
    session = runDev({
      mode: "sim",
      blocks: null,
      report: null,
      port: 0,
      blockIntervalMs: 500,
      dataDir: dir,
      databaseUrl: db.url,
      out: (line) => {
        lines.push(line);
        const m = / \| API (http:\S+) \| console (http:\S+)/.exec(line);
        if (m) {
          api = m[1] ?? "";
          consoleUrl = m[2] ?? "";
          resolve();
        }
      },
      signal: abort.signal,
    });
    session.catch(() => resolve());
  });
  await announced;
  if (!consoleUrl) await session;
}, 240_000);

afterAll(async () => {
  await browser?.close();
  abort.abort();
  await session?.catch(() => undefined);
  process.env = saved;
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
}, 120_000);

async function call(method: string, path: string, opts: { token?: string; body?: unknown } = {}) {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: {
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: opts.body === undefined ? null : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe("orion dev without REDIS_URL serves the console and the API", () => {
  it("prints the console URL and serves it", async () => {
    expect(consoleUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/console\/$/);
    expect(lines.join("\n")).not.toMatch(/need REDIS_URL/);
    const page = await fetch(consoleUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    expect((await call("GET", "/readyz")).status).toBe(200);
  });

  it("signs in with a TOTP code, answers an authenticated call, refreshes, and logs out for good", async () => {
    const login = await call("POST", "/auth/login", {
      body: { email: user.email, password: user.password, totp: totpCode(user.secret, new Date()) },
    });
    expect(login.status).toBe(200);
    const access = login.body.accessToken as string;
    const status = await call("GET", "/mode/status", { token: access });
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ mode: "sim" });
    // The session is a row of the session's PostgreSQL: no Redis took part.
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM api_sessions");
      expect(rows[0]?.n).toBe(1);
    } finally {
      await pool.end();
    }
    const refreshed = await call("POST", "/auth/refresh", { body: { refreshToken: login.body.refreshToken } });
    expect(refreshed.status).toBe(200);
    // The rotated-away token is a reuse: the whole session ends, the fresh access token with it.
    expect((await call("POST", "/auth/refresh", { body: { refreshToken: login.body.refreshToken } })).status).toBe(401);
    expect((await call("GET", "/mode/status", { token: refreshed.body.accessToken as string })).status).toBe(401);
    expect((await call("GET", "/mode/status")).status).toBe(401);
  });

  it("signs in through the console in Chromium and shows the overview", async () => {
    browser = await launchChromium();
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(60_000);
    // The HTTP test spent this step's code for the same user: TOTP codes are single-use.
    const next = new Date(Date.now() + 30_000);
    await signInAt(page, consoleUrl, user, totpCode(user.secret, next));
    await page.getByText("Live updates").waitFor();
  });
});
