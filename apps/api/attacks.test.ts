import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { riskLimitsToWire } from "../control/index.ts";
import { CONFIRM_PHRASES } from "./mode-requests.ts";
import { ApiHarness, expectProblem, type Tokens } from "./testing/harness.ts";

/**
 * The "bad input and attacks" list of the control plane: every case ends in a 4xx problem document, never a 5xx,
 * never a change of state, and always with a ledger row for the denial.
 */
let h: ApiHarness;
const tokens: Record<string, Tokens> = {};
const SQL = "' OR '1'='1'; DROP TABLE audit_log; --";

type Method = "GET" | "POST" | "PUT";
interface Case {
  method: Method;
  url: string;
  role: string | null;
  body?: Record<string, unknown>;
  query?: Record<string, string>;
}

function cases(): Case[] {
  const limits = riskLimitsToWire({
    minProfitAfterGasWei: 1n,
    maxAmountInPerToken: {},
    defaultMaxAmountIn: 10n,
    maxOpenExposureWei: 10n,
    dailyLossLimitWei: 10n,
    maxConsecutiveFailures: 3,
  });
  return [
    {
      method: "POST",
      url: "/auth/login",
      role: null,
      body: { email: "a@example.com", password: "pw-pw-pw-pw-pw", totp: "123456" },
    },
    { method: "POST", url: "/auth/refresh", role: null, body: { refreshToken: "A".repeat(43) } },
    { method: "POST", url: "/auth/mfa", role: "admin", body: { totp: "123456" } },
    {
      method: "POST",
      url: "/users",
      role: "admin",
      body: { email: "new@example.com", role: "viewer", password: "a long password 1" },
    },
    { method: "POST", url: "/mode/validate", role: "admin", body: { target: "live" } },
    {
      method: "POST",
      url: "/mode/switch",
      role: "admin",
      body: { target: "live", reason: "x y z", confirm: "wrong phrase" },
    },
    {
      method: "POST",
      url: `/mode/switch/${randomUUID()}/approve`,
      role: "admin",
      body: { confirm: CONFIRM_PHRASES.live },
    },
    { method: "POST", url: "/killswitch", role: "operator", body: { engaged: true, reason: "attack test" } },
    { method: "PUT", url: "/risk/limits", role: "admin", body: { expectedVersion: 999, limits } },
    {
      method: "POST",
      url: "/gdpr/subject-rights",
      role: "compliance",
      body: { subject: randomUUID(), right: "access", email: "x@example.com" },
    },
    {
      method: "GET",
      url: "/opportunities",
      role: "viewer",
      query: {
        mode: "sim",
        epoch: "1",
        status: "order",
        baseToken: "0x" + "a".repeat(40),
        from: "2026-01-01T00:00:00Z",
        to: "2027-01-01T00:00:00Z",
        cursor: "abc",
        limit: "10",
      },
    },
    {
      method: "GET",
      url: "/trades",
      role: "viewer",
      query: { mode: "live", epoch: "2", status: "confirmed", cursor: "abc", limit: "5" },
    },
    { method: "GET", url: "/pnl", role: "viewer", query: { mode: "sim", epoch: "1" } },
    {
      method: "GET",
      url: "/compliance/audit",
      role: "auditor",
      query: {
        actor: "anonymous",
        action: "auth.login",
        from: "2026-01-01T00:00:00Z",
        to: "2027-01-01T00:00:00Z",
        cursor: "1",
        limit: "10",
      },
    },
    { method: "GET", url: "/compliance/report", role: "auditor", query: { stack: "prod" } },
  ];
}

async function snapshot() {
  const { rows } = await h.pool.query(
    `SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM mode_switch_requests)::int AS requests,
            (SELECT count(*) FROM compliance_reports)::int AS reports, (SELECT count(*) FROM subject_erasures)::int AS erasures`,
  );
  return { control: await h.control.read(), db: rows[0] };
}

async function expectDenied(run: () => Promise<import("fastify").LightMyRequestResponse>, status?: number) {
  const before = await snapshot();
  const denials = await h.auditCount({ outcome: "denied" });
  const res = await run();
  expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
  expect(res.statusCode, res.body).toBeLessThan(500);
  if (status !== undefined) expect(res.statusCode, res.body).toBe(status);
  expectProblem(res, res.statusCode);
  expect(await snapshot()).toEqual(before);
  expect(await h.auditCount({ outcome: "denied" })).toBeGreaterThan(denials);
}

function withQuery(url: string, q: Record<string, string>): string {
  return `${url}?${new URLSearchParams(q).toString()}`;
}

beforeAll(async () => {
  h = await ApiHarness.start();
  for (const role of ["viewer", "operator", "admin", "auditor", "compliance"] as const) {
    tokens[role] = await h.login(await h.createUser(role));
  }
});
afterAll(async () => h.close());

const token = (c: Case) => (c.role ? tokens[c.role]?.accessToken : undefined);

describe.each(cases().filter((c) => c.body))("$method $url body", (c) => {
  it("malformed JSON", async () => {
    await expectDenied(() => h.request(c.method, c.url, { token: token(c), rawBody: '{"target": "sim",' }), 400);
  });

  it("an unknown field", async () => {
    await expectDenied(() => h.request(c.method, c.url, { token: token(c), body: { ...c.body, isAdmin: true } }), 400);
  });

  it("a body over the size limit", async () => {
    await expectDenied(
      () =>
        h.request(c.method, c.url, {
          token: token(c),
          rawBody: JSON.stringify({ ...c.body, pad: "x".repeat(64 * 1024) }),
        }),
      413,
    );
  });

  it("a body that is not JSON at all", async () => {
    await expectDenied(
      () =>
        h.request(c.method, c.url, {
          token: token(c),
          rawBody: "email=a",
          headers: { "content-type": "application/x-www-form-urlencoded" },
        }),
      415,
    );
  });

  it.each(Object.keys(c.body ?? {}))("a wrong type for %s", async (field) => {
    const wrong = typeof c.body?.[field] === "string" ? 12345 : "not-the-right-type";
    await expectDenied(() => h.request(c.method, c.url, { token: token(c), body: { ...c.body, [field]: wrong } }), 400);
  });

  // A new password is an opaque secret: refusing characters would only weaken it. It is hashed, never interpreted;
  // the test below shows a metacharacter password is stored as a password and nothing else happens.
  const injectable = Object.entries(c.body ?? {})
    .filter(([k, v]) => typeof v === "string" && !(c.url === "/users" && k === "password"))
    .map(([k]) => k);
  it.each(injectable)("SQL metacharacters in %s", async (field) => {
    await expectDenied(() => h.request(c.method, c.url, { token: token(c), body: { ...c.body, [field]: SQL } }));
  });
});

describe.each(cases().filter((c) => c.query))("$method $url query", (c) => {
  it.each(Object.keys(c.query ?? {}))("SQL metacharacters in %s", async (param) => {
    await expectDenied(
      () => h.request(c.method, withQuery(c.url, { ...c.query, [param]: SQL }), { token: token(c) }),
      400,
    );
  });

  it("an unknown parameter", async () => {
    await expectDenied(
      () => h.request(c.method, withQuery(c.url, { ...c.query, debug: "1" }), { token: token(c) }),
      400,
    );
  });
});

describe("passwords", () => {
  it("a new password full of SQL metacharacters is only ever a password", async () => {
    const email = `quoted-${Date.now()}@example.com`;
    const res = await h.request("POST", "/users", {
      token: tokens.admin?.accessToken,
      body: { email, role: "viewer", password: SQL },
    });
    expect(res.statusCode).toBe(201);
    const { rows } = await h.pool.query("SELECT count(*)::int AS n FROM audit_log");
    expect(rows[0].n).toBeGreaterThan(0);
    const user = await h.users.findByEmail(email);
    expect(user?.passwordHash?.startsWith("$argon2id$")).toBe(true);
  });
});

describe("roles", () => {
  const adminOnly: Case[] = [
    { method: "PUT", url: "/risk/limits", role: "viewer", body: { expectedVersion: 1, limits: {} } },
    {
      method: "POST",
      url: "/users",
      role: "viewer",
      body: { email: "x@example.com", role: "admin", password: "a long password 1" },
    },
    {
      method: "POST",
      url: "/mode/switch",
      role: "viewer",
      body: { target: "sim", reason: "x y z", confirm: CONFIRM_PHRASES.sim },
    },
    {
      method: "POST",
      url: `/mode/switch/${randomUUID()}/approve`,
      role: "viewer",
      body: { confirm: CONFIRM_PHRASES.live },
    },
    { method: "POST", url: "/killswitch", role: "viewer", body: { engaged: true, reason: "x y z" } },
    { method: "POST", url: "/gdpr/subject-rights", role: "viewer", body: { subject: randomUUID(), right: "erasure" } },
    { method: "GET", url: "/compliance/audit", role: "viewer" },
    { method: "POST", url: "/auth/sessions/revoke-all", role: "viewer" },
  ];

  it.each(adminOnly)("a viewer calling $method $url gets 403 and an authz.denied row", async (c) => {
    const before = await h.auditCount({ action: "authz.denied" });
    await expectDenied(() => h.request(c.method, c.url, { token: token(c), body: c.body }), 403);
    expect(await h.auditCount({ action: "authz.denied" })).toBe(before + 1);
  });

  it("a path parameter that is not a UUID", async () => {
    await expectDenied(
      () =>
        h.request("POST", `/mode/switch/${encodeURIComponent(SQL)}/approve`, {
          token: tokens.admin?.accessToken,
          body: { confirm: CONFIRM_PHRASES.live },
        }),
      400,
    );
  });

  it("a body on a route that takes none", async () => {
    await expectDenied(
      () => h.request("POST", "/auth/logout", { token: tokens.viewer?.accessToken, body: { all: true } }),
      400,
    );
  });

  it("an unknown route is a 404 problem", async () => {
    await expectDenied(() => h.request("GET", "/admin/../../etc/passwd", { token: tokens.admin?.accessToken }), 404);
  });
});

describe("rate limits", () => {
  it("login is limited per IP much more strictly than the rest, with an audited 429", async () => {
    const strict = await ApiHarness.start({ rateLimits: { login: 3, perIp: 1000 } });
    try {
      for (let i = 0; i < 3; i++) {
        const r = await strict.request("POST", "/auth/login", {
          body: { email: "x@example.com", password: "nope nope" },
        });
        expect(r.statusCode).toBe(401);
      }
      const r = await strict.request("POST", "/auth/login", {
        body: { email: "x@example.com", password: "nope nope" },
      });
      expectProblem(r, 429);
      const { rows } = await strict.pool.query("SELECT detail FROM audit_log WHERE action = 'request.denied'");
      expect(rows.map((x) => JSON.parse(x.detail).status)).toContain(429);
      // The rest of the API is still open to the same address.
      expect((await strict.request("GET", "/healthz")).statusCode).toBe(200);
    } finally {
      await strict.close();
    }
  });

  it("authenticated requests count against the per-IP budget too", async () => {
    const strict = await ApiHarness.start({ rateLimits: { perIp: 4 } });
    try {
      const t = await strict.login(await strict.createUser("viewer"));
      const codes: number[] = [];
      for (let i = 0; i < 10; i++)
        codes.push((await strict.request("GET", "/pnl", { token: t.accessToken })).statusCode);
      expect(codes).toContain(429);
      expect(codes.indexOf(429)).toBeLessThanOrEqual(8);
      // Forged tokens meet the per-IP limiter before any signature is checked.
      const forged: number[] = [];
      for (let i = 0; i < 6; i++) forged.push((await strict.request("GET", "/pnl", { token: `x.${i}.y` })).statusCode);
      expect(forged.filter((c) => c === 429).length).toBeGreaterThan(0);
    } finally {
      await strict.close();
    }
  });

  it("each user has a budget of their own", async () => {
    const strict = await ApiHarness.start({ rateLimits: { perUser: 3 } });
    try {
      const t = await strict.login(await strict.createUser("viewer"));
      for (let i = 0; i < 3; i++)
        expect((await strict.request("GET", "/pnl", { token: t.accessToken })).statusCode).toBe(200);
      expectProblem(await strict.request("GET", "/pnl", { token: t.accessToken }), 429);
      const other = await strict.login(await strict.createUser("viewer"));
      expect((await strict.request("GET", "/pnl", { token: other.accessToken })).statusCode).toBe(200);
    } finally {
      await strict.close();
    }
  });
});

describe("headers", () => {
  it("sets security headers and refuses cross-origin requests from unknown origins", async () => {
    const res = await h.request("GET", "/healthz", { headers: { origin: "https://evil.example" } });
    expect(res.headers["strict-transport-security"]).toContain("max-age=");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
    expect(res.headers["x-powered-by"]).toBeUndefined();
  });

  it("answers a cross-origin preflight with a denial, and no CORS header, when no origin is allowed", async () => {
    const preflight = () =>
      h.request("OPTIONS", "/mode/status", {
        headers: { origin: "https://evil.example", "access-control-request-method": "GET" },
      });
    await expectDenied(preflight, 404);
    const res = await preflight();
    expect(Object.keys(res.headers).filter((name) => name.startsWith("access-control-"))).toEqual([]);
    expect(res.headers.vary).toBeUndefined();
  });
});
