import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, type TestDatabase } from "../../test/support/postgres.ts";
import { deleteKeysWithPrefix, TEST_REDIS_URL, testKeyPrefix } from "../../test/support/redis.ts";
import { startApiServer } from "./server.ts";
import { ApiHarness } from "./testing/harness.ts";

describe("startApiServer (orion api)", () => {
  let db: TestDatabase;
  let dir: string;
  const prefix = testKeyPrefix();
  beforeAll(async () => {
    db = await createTestDatabase("orion_server");
    dir = mkdtempSync(join(tmpdir(), "orion-api-"));
  });
  afterAll(async () => {
    await db.drop();
    await deleteKeysWithPrefix(prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  it("migrates, listens on 127.0.0.1 and answers over HTTP with CORS only for configured origins", async () => {
    const api = await startApiServer({
      port: 0,
      logLevel: "silent",
      env: {
        DATABASE_URL: db.url,
        REDIS_URL: TEST_REDIS_URL,
        ORION_KEY_PREFIX: prefix,
        ORION_HOME: dir,
        ORION_CORS_ORIGINS: "https://console.example",
        ORION_RATE_LIMIT_PER_IP: "8",
      },
    });
    try {
      expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await (await fetch(`${api.url}/readyz`)).json()).toEqual({ status: "ready" });
      const allowed = await fetch(`${api.url}/healthz`, { headers: { origin: "https://console.example" } });
      expect(allowed.headers.get("access-control-allow-origin")).toBe("https://console.example");
      const refused = await fetch(`${api.url}/healthz`, { headers: { origin: "https://evil.example" } });
      expect(refused.headers.get("access-control-allow-origin")).toBeNull();
      const problem = await fetch(`${api.url}/mode/status`);
      expect(problem.status).toBe(401);
      expect(problem.headers.get("content-type")).toContain("application/problem+json");
      // ORION_RATE_LIMIT_PER_IP: 4 requests so far, 4 more, then the address is out of budget (forged
      // X-Forwarded-For or not: with no proxies configured the socket's address is the client's).
      const statuses = [];
      for (let i = 0; i < 5; i++) {
        const res = await fetch(`${api.url}/healthz`, { headers: { "x-forwarded-for": `198.51.100.${i}` } });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 429]);
    } finally {
      await api.close();
    }
  });

  it("refuses to start without DATABASE_URL, naming it", async () => {
    await expect(startApiServer({ env: { REDIS_URL: TEST_REDIS_URL } })).rejects.toThrow(/DATABASE_URL/);
  });
});

describe("logs", () => {
  it("never contain passwords, TOTP codes, tokens or stack traces", async () => {
    const lines: string[] = [];
    const h = await ApiHarness.start({ logLevel: "debug", logStream: { write: (l: string) => void lines.push(l) } });
    try {
      const user = await h.createUser("admin");
      const tokens = await h.login(user);
      await h.request("POST", "/auth/refresh", { body: { refreshToken: tokens.refreshToken } });
      await h.request("GET", "/mode/status", { token: tokens.accessToken });
      await h.request("POST", "/auth/login", { body: { email: user.email, password: "wrong password here" } });
      const log = lines.join("");
      // One line per request at debug (the four above), so the look below has something to look at.
      expect(lines.filter((l) => l.includes('"request completed"')).length).toBe(4);
      for (const secret of [user.password, tokens.accessToken, tokens.refreshToken, user.totpSecret]) {
        expect(log).not.toContain(secret);
      }
      expect(log).not.toMatch(/\n\s+at /);
    } finally {
      await h.close();
    }
  });
});
