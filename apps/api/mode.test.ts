import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { createRedisControlStore, type ControlState } from "../control/index.ts";
import { TEST_REDIS_URL } from "../../test/support/redis.ts";
import { CONFIRM_PHRASES } from "./mode-requests.ts";
import { recordOrders } from "../store/testing/orders.ts";
import { ApiHarness, expectProblem, type TestUser, type Tokens } from "./testing/harness.ts";

let h: ApiHarness;
let adminA: TestUser;
let adminB: TestUser;
let adminC: TestUser;
let operator: TestUser;
let viewer: TestUser;
let chainOk = true;

const LIVE = CONFIRM_PHRASES.live;
const SIM = CONFIRM_PHRASES.sim;

export function cleanReport(stack = "prod", mandatory = 0) {
  return {
    generatedAt: new Date().toISOString(),
    source: { kind: "program", stack, file: null },
    frameworks: ["soc2"],
    summary: { resources: 10, controls: 5, violations: mandatory, mandatory, advisory: 0 },
    controls: [{ id: "SQL-001", status: mandatory ? "fail" : "pass" }],
    violations: Array.from({ length: mandatory }, () => ({ control: "SQL-001", enforcementLevel: "mandatory" })),
  };
}

beforeAll(async () => {
  h = await ApiHarness.start({
    chainChecks: {
      rpc: async () => ({ ok: chainOk, detail: chainOk ? "head 12 s old" : "no RPC endpoint answers" }),
      executor: async () => ({ ok: true, detail: "deployed, owned" }),
      signer: async () => ({ ok: true, detail: "funded" }),
    },
  });
  [adminA, adminB, adminC, operator, viewer] = await Promise.all([
    h.createUser("admin"),
    h.createUser("admin"),
    h.createUser("admin"),
    h.createUser("operator"),
    h.createUser("viewer"),
  ]);
  await h.recordSignedReport(cleanReport());
});
afterAll(async () => h.close());

async function requestLive(t: Tokens): Promise<string> {
  const res = await h.request("POST", "/mode/switch", {
    token: t.accessToken,
    body: { target: "live", reason: "go live", confirm: LIVE },
  });
  expect(res.statusCode).toBe(202);
  return (res.json() as { id: string }).id;
}

async function insertTrade(mode: "sim" | "live", epoch: number, profit: string) {
  const id = randomUUID();
  const order = { opportunityId: id, mode, epoch, blockNumber: 1, baseToken: "0x00", pools: [], tokens: [] };
  await recordOrders(h.pool, [{ ...order, amountIn: 1n, predictedProfit: BigInt(profit), minProfit: 0n }]);
  await h.pool.query(
    `INSERT INTO trades (id, opportunity_id, mode, epoch, order_block, base_token, pools, tokens, amount_in,
                         predicted_profit, min_profit, status, simulated_profit)
     VALUES ($1, $2, $3, $4, 1, '0x00', '{}', '{}', 1, $5, 0, 'simulated', $5)`,
    [id, id, mode, epoch, profit],
  );
}

describe("mode status and validation", () => {
  it("shows mode, version, epoch, since and this epoch's metrics", async () => {
    await insertTrade("sim", 1, "123456789012345678901234567890");
    const t = await h.login(viewer);
    const res = await h.request("GET", "/mode/status", { token: t.accessToken });
    expect(res.json()).toMatchObject({
      mode: "sim",
      version: 1,
      epoch: 1,
      metrics: { trades: { simulated: 1 }, simulatedProfit: "123456789012345678901234567890" },
    });
  });

  it("serves one serialized answer while nothing changes, a changed one once the store says so, nothing once logged out", async () => {
    const t = await h.login(viewer);
    const status = () => h.request("GET", "/mode/status", { token: t.accessToken });
    const first = await status();
    expect((await status()).payload).toBe(first.payload);
    // Pulled elsewhere (another instance, the CLI): the store's notification reaches this API's view.
    await h.control.setKillSwitch(true, "status test", "test");
    await expect
      .poll(async () => (await status()).json(), { interval: 5 })
      .toMatchObject({
        killSwitch: { engaged: true, reason: "status test" },
      });
    await h.control.setKillSwitch(false, "resolved", "test");
    await expect
      .poll(async () => (await status()).json(), { interval: 5 })
      .toMatchObject({
        killSwitch: { engaged: false },
      });
    expect((await h.request("POST", "/auth/logout", { token: t.accessToken })).statusCode).toBe(204);
    expectProblem(await status(), 401);
  });

  it("runs every pre-flight check with ok and detail", async () => {
    const t = await h.login(operator);
    const res = await h.request("POST", "/mode/validate", { token: t.accessToken, body: { target: "live" } });
    expect(res.statusCode).toBe(200);
    const report = res.json() as { ok: boolean; checks: { name: string; ok: boolean; detail: string }[] };
    expect(report.checks.map((c) => c.name)).toEqual([
      "rpc",
      "executor",
      "signer",
      "risk-limits",
      "kill-switch",
      "database",
      "bus",
      "compliance",
    ]);
    expect(report.ok).toBe(true);
    expect(report.checks.every((c) => c.ok && c.detail.length > 0)).toBe(true);
  });

  it("a viewer may not validate", async () => {
    const t = await h.login(viewer);
    expectProblem(await h.request("POST", "/mode/validate", { token: t.accessToken, body: { target: "live" } }), 403);
  });
});

describe("switch to live: two admins", () => {
  it("refuses the requester approving their own request, and audits it", async () => {
    const ta = await h.login(adminA);
    const id = await requestLive(ta);
    const before = await h.control.read();
    const p = expectProblem(
      await h.request("POST", `/mode/switch/${id}/approve`, { token: ta.accessToken, body: { confirm: LIVE } }),
      403,
    );
    expect(p.type).toBe("urn:alpha-orion:problem:four-eyes");
    expect(await h.control.read()).toEqual(before);
    const { rows } = await h.pool.query(
      "SELECT outcome FROM audit_log WHERE action = 'mode.switch.approval' ORDER BY seq DESC LIMIT 1",
    );
    expect(rows[0].outcome).toBe("denied");
  });

  it("refuses operators requesting live, a wrong confirm phrase and a stale second factor", async () => {
    const to = await h.login(operator);
    expectProblem(
      await h.request("POST", "/mode/switch", {
        token: to.accessToken,
        body: { target: "live", reason: "x y z", confirm: LIVE },
      }),
      403,
    );
    const ta = await h.login(adminA);
    expectProblem(
      await h.request("POST", "/mode/switch", {
        token: ta.accessToken,
        body: { target: "live", reason: "x y z", confirm: "switch to live" },
      }),
      400,
    );
    const id = await requestLive(ta);
    const tb = await h.login(adminB);
    h.advance(5 * 60_000 + 1000);
    // A refreshed access token keeps the session's (now stale) second-factor time.
    const refreshed = await h.request("POST", "/auth/refresh", { body: { refreshToken: tb.refreshToken } });
    const stale = (refreshed.json() as { accessToken: string }).accessToken;
    const p = expectProblem(
      await h.request("POST", `/mode/switch/${id}/approve`, { token: stale, body: { confirm: LIVE } }),
      401,
    );
    expect(p.type).toBe("urn:alpha-orion:problem:mfa-required");
    expect((await h.control.read()).mode).toBe("sim");
  });

  it("expires a request after 15 minutes", async () => {
    const id = await requestLive(await h.login(adminA));
    h.advance(15 * 60_000 + 1000);
    const tb = await h.login(adminB);
    expectProblem(
      await h.request("POST", `/mode/switch/${id}/approve`, { token: tb.accessToken, body: { confirm: LIVE } }),
      410,
    );
    expect((await h.control.read()).mode).toBe("sim");
  });

  it("re-runs pre-flight at approval time and refuses when a check fails", async () => {
    const id = await requestLive(await h.login(adminA));
    chainOk = false;
    try {
      const tb = await h.login(adminB);
      const res = await h.request("POST", `/mode/switch/${id}/approve`, {
        token: tb.accessToken,
        body: { confirm: LIVE },
      });
      const p = expectProblem(res, 412);
      expect(p.checks).toContainEqual(expect.objectContaining({ name: "rpc", ok: false }));
    } finally {
      chainOk = true;
    }
    expect((await h.control.read()).mode).toBe("sim");
  });

  it("refuses live while the latest compliance report has mandatory violations", async () => {
    await h.recordSignedReport(cleanReport("prod", 2));
    try {
      const id = await requestLive(await h.login(adminA));
      const tb = await h.login(adminB);
      const p = expectProblem(
        await h.request("POST", `/mode/switch/${id}/approve`, { token: tb.accessToken, body: { confirm: LIVE } }),
        412,
      );
      expect(p.checks).toContainEqual(expect.objectContaining({ name: "compliance", ok: false }));
    } finally {
      await h.recordSignedReport(cleanReport());
    }
  });

  it("switches on a second admin's approval: new version and epoch, metrics from zero, every watcher notified", async () => {
    const watcherStore = createRedisControlStore({ url: TEST_REDIS_URL, keyPrefix: h.prefix });
    const seen: ControlState[] = [];
    const stop = await watcherStore.watch((s) => seen.push(s));
    try {
      const before = await h.control.read();
      const [id1, id2] = [await requestLive(await h.login(adminA)), await requestLive(await h.login(adminA))];
      const [tb, tc] = [await h.login(adminB), await h.login(adminC)];
      // Two approvals race (different requests, same expected version): one switches, the other gets 409.
      const results = await Promise.all([
        h.request("POST", `/mode/switch/${id1}/approve`, { token: tb.accessToken, body: { confirm: LIVE } }),
        h.request("POST", `/mode/switch/${id2}/approve`, { token: tc.accessToken, body: { confirm: LIVE } }),
      ]);
      expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
      const after = await h.control.read();
      expect(after).toMatchObject({ mode: "live", version: before.version + 1, epoch: before.epoch + 1 });
      await expect.poll(() => seen.at(-1)?.mode).toBe("live");

      const status = await h.request("GET", "/mode/status", { token: tb.accessToken });
      expect(status.json()).toMatchObject({
        mode: "live",
        epoch: after.epoch,
        metrics: { trades: { simulated: 0 }, simulatedProfit: "0" },
      });
      // The same request cannot be approved twice.
      const winner = results[0]?.statusCode === 200 ? id1 : id2;
      expectProblem(
        await h.request("POST", `/mode/switch/${winner}/approve`, { token: tc.accessToken, body: { confirm: LIVE } }),
        409,
      );
    } finally {
      await stop();
      await watcherStore.close();
    }
  });

  it("an operator switches back to sim at once; concurrent switches: one wins, the other gets 409", async () => {
    const [t1, t2] = [await h.login(operator), await h.login(adminB)];
    const before = await h.control.read();
    expect(before.mode).toBe("live");
    const results = await Promise.all([
      h.request("POST", "/mode/switch", {
        token: t1.accessToken,
        body: { target: "sim", reason: "end of test", confirm: SIM },
      }),
      h.request("POST", "/mode/switch", {
        token: t2.accessToken,
        body: { target: "sim", reason: "end of test", confirm: SIM },
      }),
    ]);
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes[0]).toBe(200);
    expect([200, 409]).toContain(codes[1]);
    expect(await h.control.read()).toMatchObject({ mode: "sim", version: before.version + 1, epoch: before.epoch + 1 });
  });
});

describe("kill switch", () => {
  it("an operator engages it without step-up; releasing needs a fresh second factor; viewers cannot touch it", async () => {
    const tv = await h.login(viewer);
    expectProblem(
      await h.request("POST", "/killswitch", { token: tv.accessToken, body: { engaged: true, reason: "viewer" } }),
      403,
    );
    const to = await h.login(operator);
    h.advance(6 * 60_000);
    const refreshed = await h.request("POST", "/auth/refresh", { body: { refreshToken: to.refreshToken } });
    const stale = (refreshed.json() as { accessToken: string }).accessToken;
    const on = await h.request("POST", "/killswitch", { token: stale, body: { engaged: true, reason: "incident 7" } });
    expect(on.statusCode).toBe(200);
    expect((await h.control.read()).killSwitch).toMatchObject({ engaged: true, reason: "incident 7" });
    expectProblem(
      await h.request("POST", "/killswitch", { token: stale, body: { engaged: false, reason: "resolved" } }),
      401,
    );
    const fresh = await h.login(operator);
    expect(
      (
        await h.request("POST", "/killswitch", {
          token: fresh.accessToken,
          body: { engaged: false, reason: "resolved" },
        })
      ).statusCode,
    ).toBe(200);
    expect((await h.control.read()).killSwitch.engaged).toBe(false);
    expect(await h.auditCount({ action: "killswitch.set", outcome: "success" })).toBe(2);
  });
});
