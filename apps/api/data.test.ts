import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { DEFAULT_RISK_LIMITS, riskLimitsToWire } from "../control/index.ts";
import type { Order } from "../domain/index.ts";
import { recordOrders } from "../store/testing/orders.ts";
import { ApiHarness, expectProblem, type TestUser, type Tokens } from "./testing/harness.ts";

let h: ApiHarness;
let viewer: Tokens;
let admin: Tokens;
let auditor: Tokens;
let compliance: Tokens;
let subject: TestUser;

function report(stack: string, mandatory: number) {
  return {
    generatedAt: new Date().toISOString(),
    source: { kind: "program", stack, file: null },
    frameworks: ["soc2", "pci-dss-4.0", "cis-gcp-3.0"],
    summary: { resources: 3, controls: 2, violations: mandatory, mandatory, advisory: 0 },
    controls: [{ id: "SQL-001", title: "t", status: mandatory ? "fail" : "pass", checked: 1, failed: mandatory }],
    violations: Array.from({ length: mandatory }, () => ({
      control: "SQL-001",
      enforcementLevel: "mandatory",
      urn: "u",
    })),
  };
}

beforeAll(async () => {
  h = await ApiHarness.start();
  viewer = await h.login(await h.createUser("viewer"));
  admin = await h.login(await h.createUser("admin"));
  auditor = await h.login(await h.createUser("auditor"));
  compliance = await h.login(await h.createUser("compliance"));
  subject = await h.createUser("trader", "subject.person@example.com");
  await h.login(subject);
  // 25 trades across two epochs and both modes.
  for (let i = 0; i < 25; i++) {
    const id = randomUUID();
    const mode = i < 20 ? "sim" : "live";
    const epoch = mode === "sim" ? (i < 10 ? 1 : 3) : 2;
    await recordOrders(h.pool, [order(id, mode, epoch, i)]);
    await h.pool.query(
      `INSERT INTO trades (id, opportunity_id, mode, epoch, order_block, base_token, pools, tokens, amount_in,
                           predicted_profit, min_profit, status, simulated_profit, account, nonce, tx_hash,
                           realized_profit, created_at)
       VALUES ($1::uuid, $1::uuid::text, $2, $3, $4::int, '0xbase', '{0xp1,0xp2}', '{0xbase,0xt,0xbase}', 1000, 7, 0, $5, $6, $7, $8, $9,
               $10, now() + make_interval(secs => $4::int))`,
      mode === "sim"
        ? [id, mode, epoch, i, "simulated", "5", null, null, null, null]
        : [id, mode, epoch, i, "confirmed", null, "0xacc", i, `0x${i}`, "99999999999999999999999999"],
    );
  }
});
afterAll(async () => h.close());

/** The recorded order a trade row below executes (the journal refuses a trade without one). */
function order(id: string, mode: "sim" | "live", epoch: number, blockNumber: number): Order {
  const [base, pools] = ["0xbase", ["0xp1", "0xp2"]] as const;
  return {
    opportunityId: id,
    mode,
    epoch,
    blockNumber,
    baseToken: base,
    pools: [...pools],
    tokens: [base, "0xt", base],
    amountIn: 1000n,
    predictedProfit: 7n,
    minProfit: 0n,
  };
}

describe("trading data", () => {
  it("pages through trades with a cursor and filters by mode and epoch", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/trades?mode=sim&limit=4${cursor ? `&cursor=${cursor}` : ""}`;
      const res = await h.request("GET", q, { token: viewer.accessToken });
      expect(res.statusCode).toBe(200);
      const page = res.json() as { items: { id: string; mode: string }[]; nextCursor: string | null };
      expect(page.items.every((t) => t.mode === "sim")).toBe(true);
      seen.push(...page.items.map((t) => t.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(20);
    expect(new Set(seen).size).toBe(20);
    const epoch3 = await h.request("GET", "/trades?mode=sim&epoch=3", { token: viewer.accessToken });
    expect((epoch3.json() as { items: unknown[] }).items).toHaveLength(10);
  });

  it("reports P&L per mode and epoch with exact amounts", async () => {
    const res = await h.request("GET", "/pnl?mode=live", { token: viewer.accessToken });
    expect(res.json()).toEqual({
      items: [
        expect.objectContaining({
          mode: "live",
          epoch: 2,
          confirmed: 5,
          realizedProfit: "499999999999999999999999995",
        }),
      ],
    });
  });

  it("lists opportunities (the decision records of the trades above) and refuses a forged cursor", async () => {
    const res = await h.request("GET", "/opportunities?mode=live", { token: viewer.accessToken });
    const { items } = res.json() as { items: { mode: string; epoch: number; decision: string }[] };
    expect(items).toHaveLength(5);
    expect(items.every((o) => o.mode === "live" && o.epoch === 2 && o.decision === "order")).toBe(true);
    expectProblem(await h.request("GET", "/opportunities?cursor=bm90LWEtY3Vyc29y", { token: viewer.accessToken }), 400);
  });
});

describe("risk limits", () => {
  it("admins tighten them with the version they read; a stale version gets 409", async () => {
    const read = await h.request("GET", "/risk/limits", { token: viewer.accessToken });
    const { version } = read.json() as { version: number };
    const limits = {
      ...riskLimitsToWire(DEFAULT_RISK_LIMITS),
      maxConsecutiveFailures: 2,
      defaultMaxAmountIn: "12345678901234567890",
    };
    const ok = await h.request("PUT", "/risk/limits", {
      token: admin.accessToken,
      body: { expectedVersion: version, limits },
    });
    expect(ok.statusCode).toBe(200);
    expect((await h.control.read()).limits.defaultMaxAmountIn).toBe(12345678901234567890n);
    expectProblem(
      await h.request("PUT", "/risk/limits", { token: admin.accessToken, body: { expectedVersion: version, limits } }),
      409,
    );
    expect(await h.auditCount({ action: "risk.limits.changed" })).toBe(1);
  });
});

describe("compliance", () => {
  it("stores and serves the latest report per stack", async () => {
    expectProblem(await h.request("GET", "/compliance/report?stack=prod", { token: auditor.accessToken }), 404);
    for (const [stack, n] of [
      ["prod", 2],
      ["prod", 0],
      ["dev", 1],
    ] as const) {
      const res = await h.request("POST", "/compliance/reports", {
        token: compliance.accessToken,
        body: report(stack, n),
      });
      expect(res.statusCode).toBe(201);
    }
    const prod = await h.request("GET", "/compliance/report?stack=prod", { token: auditor.accessToken });
    expect(prod.json()).toMatchObject({ stack: "prod", mandatory: 0, report: { source: { stack: "prod" } } });
    const any = await h.request("GET", "/compliance/report", { token: auditor.accessToken });
    expect(any.json()).toMatchObject({ stack: "dev", mandatory: 1 });
    expectProblem(
      await h.request("POST", "/compliance/reports", { token: compliance.accessToken, body: { summary: {} } }),
      400,
    );
  });

  it("serves the audit ledger filtered by actor and action, page by page", async () => {
    const pages: number[][] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/compliance/audit?action=auth.login&limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const res = await h.request("GET", url, { token: auditor.accessToken });
      expect(res.statusCode).toBe(200);
      const page = res.json() as { items: { seq: number; action: string }[]; nextCursor: string | null };
      expect(page.items.every((r) => r.action === "auth.login")).toBe(true);
      pages.push(page.items.map((r) => r.seq));
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages.flat()).toHaveLength(5);
    const mine = await h.request("GET", `/compliance/audit?actor=${subject.id}`, { token: auditor.accessToken });
    expect((mine.json() as { items: { actor: string }[] }).items.every((r) => r.actor === subject.id)).toBe(true);
    const future = await h.request("GET", "/compliance/audit?from=2999-01-01T00:00:00Z", {
      token: auditor.accessToken,
    });
    expect((future.json() as { items: unknown[] }).items).toHaveLength(0);
  });
});

describe("GDPR subject rights", () => {
  it("access exports the account, its audit events and requests", async () => {
    const res = await h.request("POST", "/gdpr/subject-rights", {
      token: compliance.accessToken,
      body: { subject: "subject.person@example.com", right: "access" },
    });
    expect(res.statusCode).toBe(200);
    const out = res.json() as { data: { account: { email: string }; auditEvents: { pii: { ip: string } | null }[] } };
    expect(out.data.account.email).toBe("subject.person@example.com");
    expect(out.data.auditEvents.some((e) => e.pii?.ip === "127.0.0.1")).toBe(true);
  });

  it("rectification replaces the email", async () => {
    const res = await h.request("POST", "/gdpr/subject-rights", {
      token: compliance.accessToken,
      body: { subject: subject.id, right: "rectification", email: "renamed.person@example.com" },
    });
    expect(res.statusCode).toBe(200);
    expect((await h.users.findById(subject.id))?.email).toBe("renamed.person@example.com");
  });

  it("erasure shreds personal data, keeps financial and audit rows under the pseudonym, chain intact", async () => {
    const id = randomUUID();
    await recordOrders(h.pool, [order(id, "sim", 1, 1)]);
    await h.pool.query(
      `INSERT INTO trades (id, opportunity_id, mode, epoch, order_block, base_token, pools, tokens, amount_in,
                           predicted_profit, min_profit, status) VALUES ($1::uuid, $1::uuid::text, 'sim', 1, 1, '0xb', '{}', '{}', 1, 1, 0, 'rejected')`,
      [id],
    );
    const before = await h.pool.query("SELECT count(*)::int AS n FROM audit_log WHERE subject = $1", [subject.id]);
    const res = await h.request("POST", "/gdpr/subject-rights", {
      token: compliance.accessToken,
      body: { subject: subject.id, right: "erasure" },
    });
    expect(res.statusCode).toBe(200);
    const user = await h.users.findById(subject.id);
    expect(user).toMatchObject({ email: null, totpSecret: null, passwordHash: null, erased: true, disabled: true });
    const after = await h.ledger().list({ subject: subject.id, limit: 1000 });
    expect(after.length).toBeGreaterThanOrEqual(before.rows[0].n);
    expect(after.every((r) => r.pii === null)).toBe(true);
    expectProblem(
      await h.request("POST", "/auth/login", {
        body: { email: "renamed.person@example.com", password: subject.password },
      }),
      401,
    );
    const { verifyChain } = await import("../audit/index.ts");
    expect(await verifyChain(h.pool)).toMatchObject({ ok: true });
  });

  it("only compliance officers may exercise it", async () => {
    expectProblem(
      await h.request("POST", "/gdpr/subject-rights", {
        token: admin.accessToken,
        body: { subject: subject.id, right: "access" },
      }),
      403,
    );
  });
});

describe("operations endpoints", () => {
  it("healthz, readyz, metrics and the OpenAPI document", async () => {
    expect((await h.request("GET", "/healthz")).json()).toEqual({ status: "ok" });
    expect((await h.request("GET", "/readyz")).json()).toEqual({ status: "ready" });
    const metrics = await h.request("GET", "/metrics");
    expect(metrics.body).toContain("orion_api_requests_total");
    const doc = (await h.request("GET", "/docs/json")).json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe("3.1.0");
    for (const path of [
      "/auth/login",
      "/mode/switch/{id}/approve",
      "/killswitch",
      "/gdpr/subject-rights",
      "/risk/limits",
    ]) {
      expect(doc.paths).toHaveProperty([path]);
    }
    expect((await h.request("GET", "/docs")).statusCode).toBeLessThan(400);
  });
});
