import { describe, expect, it } from "vitest";
import { Registry } from "prom-client";
import { parseApiEnv } from "./config.ts";
import { ApiHarness, expectProblem } from "./testing/harness.ts";

/**
 * Issue #13 item 6, the attacks: two limiters that each count part of an address's requests, an address chosen
 * through X-Forwarded-For, and floods that turn into one chained ledger row per request.
 */
const statuses = (responses: { statusCode: number }[]) => responses.map((r) => r.statusCode);

/**
 * Moves the harness's clock to 5 s into a minute before anything is counted: a count that spans a minute's turn is
 * the sliding window's estimate (the previous minute weighs in rounded down), which admits one request more than an
 * exact count, so a test of an exact limit must not straddle it.
 */
function startOfMinute(h: ApiHarness): void {
  h.advance(65_000 - (h.now().getTime() % 60_000));
}

describe("one limiter", () => {
  it("an address gets its limit once, whether its requests carry a token or not", async () => {
    const h = await ApiHarness.start({ rateLimits: { perIp: 10, perUser: 1000, login: 1000 } });
    startOfMinute(h);
    try {
      const t = await h.login(await h.createUser("viewer")); // the address's first request
      const answers = [];
      for (let i = 0; i < 10; i++) {
        answers.push(await h.request("GET", "/pnl", { token: t.accessToken }));
        answers.push(await h.request("GET", "/healthz"));
      }
      // Two limiters, one counting verified tokens and one the rest, let through up to twice the limit.
      expect(statuses(answers).filter((s) => s < 400)).toHaveLength(9);
      expectProblem(answers.at(-1) as (typeof answers)[number], 429);
    } finally {
      await h.close();
    }
  });

  it("counts are shared by every instance on the same Redis", async () => {
    const h = await ApiHarness.start({ rateLimits: { perIp: 40 } });
    startOfMinute(h);
    const b = await h.anotherInstance();
    try {
      for (let i = 0; i < 40; i++) expect((await h.request("GET", "/healthz")).statusCode).toBe(200);
      expectProblem(await h.request("GET", "/healthz"), 429);
      // The other instance learns the shared count within its flush interval, long before its own budget is spent.
      let admitted = 0;
      await expect
        .poll(
          async () => {
            const s = (await b.inject({ method: "GET", url: "/healthz" })).statusCode;
            if (s === 200) admitted += 1;
            return s;
          },
          { interval: 20, timeout: 20_000 },
        )
        .toBe(429);
      expect(admitted).toBeLessThan(10);
    } finally {
      await b.close();
      await h.close();
    }
  });
});

describe("ORION_TRUST_PROXY is a hop count", () => {
  const base = { DATABASE_URL: "postgres://u@127.0.0.1/db", REDIS_URL: "redis://127.0.0.1:6379" };

  it('refuses "true", which would let the client name its own address', () => {
    expect(() => parseApiEnv({ ...base, ORION_TRUST_PROXY: "true" })).toThrow(
      /ORION_TRUST_PROXY:? must be a hop count/,
    );
    expect(parseApiEnv({ ...base, ORION_TRUST_PROXY: "2" }).ORION_TRUST_PROXY).toBe(2);
    expect(parseApiEnv(base).ORION_TRUST_PROXY).toBe(0);
  });

  it("a client that rotates a spoofed X-Forwarded-For stays on its own address's budget", async () => {
    const h = await ApiHarness.start({ trustProxyHops: 1, rateLimits: { perIp: 5 } });
    startOfMinute(h);
    try {
      // The load balancer (the socket, 127.0.0.1) appends the address it saw; the client writes everything before it.
      const viaProxy = (spoof: string, client = "203.0.113.7") =>
        h.request("GET", "/healthz", { headers: { "x-forwarded-for": `${spoof}, ${client}` } });
      const answers = [];
      for (let i = 0; i < 8; i++) answers.push(await viaProxy(`198.51.100.${i}`));
      expect(statuses(answers)).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
      // Another real client behind the same proxy has its own budget.
      expect((await viaProxy("198.51.100.1", "203.0.113.8")).statusCode).toBe(200);
    } finally {
      await h.close();
    }
  });
});

describe("floods become summary rows", () => {
  it("a flood of unknown paths and 429s is a row of each kind and then one summary row per period", async () => {
    const metrics = new Registry();
    const h = await ApiHarness.start({ rateLimits: { perIp: 150 }, metrics });
    try {
      const before = await h.auditCount();
      const answers = [];
      for (let i = 0; i < 200; i++) answers.push(await h.request("GET", `/wp-admin/${i}.php`));
      expect(statuses(answers).filter((s) => s === 404)).toHaveLength(150);
      expect(statuses(answers).filter((s) => s === 429)).toHaveLength(50);
      // One row for the first 404, one for the first 429: not 200.
      expect((await h.auditCount()) - before).toBe(2);
      expect(h.app.denials.pending).toBe(198);
      await h.app.denials.flush();
      const { rows } = await h.pool.query<{ detail: string }>(
        "SELECT detail FROM audit_log WHERE action = 'request.denied.summary' ORDER BY seq",
      );
      const summaries = rows.map((r) => JSON.parse(r.detail) as { status: number; count: number; shed: number });
      expect(
        summaries.map(({ status, count, shed }) => ({ status, count, shed })).sort((a, b) => a.status - b.status),
      ).toEqual([
        { status: 404, count: 149, shed: 0 },
        { status: 429, count: 49, shed: 0 },
      ]);
      expect(await metrics.metrics()).toContain('orion_audit_denials_summarised_total{reason="flood"} 198');
    } finally {
      await h.close();
    }
  });
});

describe("the ledger's queue is bounded", () => {
  it("sheds generic denials into a summary with a metric while the database stalls, and never a security event", async () => {
    const metrics = new Registry();
    const h = await ApiHarness.start({ auditQueueLimit: 3, metrics });
    const blocker = await h.pool.connect();
    try {
      // The database stalls: nothing can append until the lock is released.
      await blocker.query("BEGIN");
      await blocker.query("LOCK TABLE audit_log IN ACCESS EXCLUSIVE MODE");
      const malformed = () => h.request("POST", "/auth/login", { rawBody: "{" });
      const inFlight = malformed(); // its row is the batch stuck on the lock
      const noise = Array.from({ length: 20 }, malformed);
      const forged = h.request("GET", "/mode/status", { token: "e30.e30.AAAA" });
      let answered = 0;
      for (const p of noise) void p.then(() => (answered += 1));
      // 3 rows wait in the queue (the forged token's among them, or behind them); the rest of the noise is answered
      // although the database is stalled.
      await expect.poll(() => answered, { timeout: 20_000 }).toBeGreaterThanOrEqual(16);
      const text = await metrics.metrics();
      const shedMetric = Number(/orion_audit_denials_summarised_total\{reason="queue-full"\} (\d+)/.exec(text)?.[1]);
      expect(shedMetric).toBeGreaterThanOrEqual(16);
      expect(text).toContain("orion_audit_queue_depth 3");
      await blocker.query("COMMIT");
      for (const r of await Promise.all([inFlight, ...noise])) expectProblem(r, 400);
      expectProblem(await forged, 401);
      // The security event waited for its row instead of being shed.
      expect(await h.auditCount({ action: "auth.token.rejected" })).toBe(1);
      await h.app.denials.flush();
      const { rows } = await h.pool.query<{ n: number; shed: number }>(
        `SELECT count(*) FILTER (WHERE action = 'request.denied')::int AS n,
                coalesce(sum((detail::jsonb->>'shed')::int) FILTER (WHERE action = 'request.denied.summary'), 0)::int AS shed
           FROM audit_log`,
      );
      // Every one of the 21 denials is in the ledger: a row each, or counted in the summary.
      expect((rows[0]?.n ?? 0) + (rows[0]?.shed ?? 0)).toBe(21);
      expect(rows[0]?.shed).toBe(shedMetric);
    } finally {
      await blocker.query("ROLLBACK").catch(() => undefined);
      blocker.release(true);
      await h.close();
    }
  });
});
