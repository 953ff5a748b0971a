import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { totpCode } from "../identity/index.ts";
import { CONFIRM_PHRASES } from "./mode-requests.ts";
import { ApiHarness, expectProblem, type TestUser, type Tokens } from "./testing/harness.ts";

/**
 * Attack tests for "four eyes are two people" (issue 13, item 1). Each attack is one person holding two admin
 * accounts: the second made (or promoted) by the first, logged into with the password and TOTP secret the first
 * was shown.
 */
let h: ApiHarness;
let adminA: TestUser;
let adminC: TestUser;

const LIVE = CONFIRM_PHRASES.live;

beforeAll(async () => {
  h = await ApiHarness.start({
    chainChecks: {
      rpc: async () => ({ ok: true, detail: "head fresh" }),
      executor: async () => ({ ok: true, detail: "deployed, owned" }),
      signer: async () => ({ ok: true, detail: "funded" }),
    },
  });
  [adminA, adminC] = await Promise.all([h.createUser("admin"), h.createUser("admin")]);
  await h.recordSignedReport({
    generatedAt: new Date().toISOString(),
    source: { kind: "program", stack: "prod", file: null },
    frameworks: ["soc2"],
    summary: { resources: 1, controls: 1, violations: 0, mandatory: 0, advisory: 0 },
    controls: [{ id: "SQL-001", status: "pass" }],
    violations: [],
  });
});
afterAll(async () => h.close());

async function requestLive(t: Tokens): Promise<string> {
  const res = await h.request("POST", "/mode/switch", {
    token: t.accessToken,
    body: { target: "live", reason: "go live", confirm: LIVE },
  });
  expect(res.statusCode, res.body).toBe(202);
  return (res.json() as { id: string }).id;
}

function approveLive(t: Tokens, id: string) {
  return h.request("POST", `/mode/switch/${id}/approve`, { token: t.accessToken, body: { confirm: LIVE } });
}

/** The attack's first step: an admin makes an admin account and keeps its password and TOTP secret. */
async function makeAdmin(by: Tokens): Promise<{ user: TestUser; grantId: string | undefined }> {
  const email = `puppet-${Math.random().toString(36).slice(2, 10)}@example.com`;
  const password = "a puppet's long password";
  const res = await h.request("POST", "/users", { token: by.accessToken, body: { email, role: "admin", password } });
  expect(res.statusCode, res.body).toBe(201);
  const body = res.json() as { id: string; totpSecret: string; pendingGrant?: { id: string } };
  return {
    user: { id: body.id, email, password, role: "admin", totpSecret: body.totpSecret },
    grantId: body.pendingGrant?.id,
  };
}

/** The account replaces the secret its creator saw with one of its own. */
async function enrol(user: TestUser): Promise<Tokens> {
  const t = await h.login(user);
  const started = await h.request("POST", "/auth/totp/enroll", { token: t.accessToken });
  expect(started.statusCode, started.body).toBe(200);
  const { totpSecret } = started.json() as { totpSecret: string };
  h.advance(30_000);
  const confirmed = await h.request("POST", "/auth/totp/confirm", {
    token: t.accessToken,
    body: { totp: totpCode(totpSecret, h.now()) },
  });
  expect(confirmed.statusCode, confirmed.body).toBe(200);
  const creatorsCopy = user.totpSecret;
  user.totpSecret = totpSecret;
  // The creator's copy of the initial secret no longer logs in.
  h.advance(30_000);
  const stale = await h.request("POST", "/auth/login", {
    body: { email: user.email, password: user.password, totp: totpCode(creatorsCopy, h.now()) },
  });
  expectProblem(stale, 401);
  return h.login(user);
}

async function mode(): Promise<string> {
  return (await h.control.read()).mode;
}

describe("four eyes are two people", () => {
  it("an admin who creates a second admin cannot log in as it and approve their own live switch", async () => {
    const ta = await h.login(adminA);
    const id = await requestLive(ta);
    const { user: puppet, grantId } = await makeAdmin(ta);
    const tp = await h.login(puppet);
    expectProblem(await approveLive(tp, id), 403);
    expect(await mode()).toBe("sim");
    // The account exists, but as a viewer until a second admin grants the role; its creator cannot be that admin.
    expect((await h.users.findById(puppet.id))?.role).toBe("viewer");
    expect(grantId).toBeDefined();
    const self = await h.request("POST", `/users/grants/${grantId}/approve`, { token: ta.accessToken });
    expect(expectProblem(self, 403).type).toBe("urn:alpha-orion:problem:four-eyes");
    expect((await h.users.findById(puppet.id))?.role).toBe("viewer");
    expect(await h.auditCount({ action: "role.grant.approval", outcome: "denied" })).toBeGreaterThanOrEqual(1);
  });

  it("a granted admin approves nothing before enrolling its own second factor, and never its creator's switch", async () => {
    const ta = await h.login(adminA);
    const tc = await h.login(adminC);
    const { user: b, grantId } = await makeAdmin(ta);
    const granted = await h.request("POST", `/users/grants/${grantId}/approve`, { token: tc.accessToken });
    expect(granted.statusCode, granted.body).toBe(200);
    expect((await h.users.findById(b.id))?.role).toBe("admin");

    const id = await requestLive(ta);
    const notEnrolled = expectProblem(await approveLive(await h.login(b), id), 403);
    expect(notEnrolled.detail).toMatch(/enroll your own second factor/);

    const tb = await enrol(b);
    const creator = expectProblem(await approveLive(tb, id), 403);
    expect(creator.detail).toMatch(/created or promoted/);
    // Nor the other way round: the creator does not approve its creation's request.
    const byB = await requestLive(tb);
    expect(expectProblem(await approveLive(await h.login(adminA), byB), 403).detail).toMatch(/created or promoted/);
    expect(await mode()).toBe("sim");

    // A real second person's request is another matter.
    const byC = await requestLive(await h.login(adminC));
    const ok = await approveLive(tb, byC);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(await mode()).toBe("live");
    await h.control.switchMode("sim", (await h.control.read()).version, "test");
  });

  it("promoting an existing account waits for a second admin that the promoter did not make", async () => {
    const ta = await h.login(adminA);
    const viewer = await h.createUser("viewer");
    const res = await h.request("POST", `/users/${viewer.id}/role`, {
      token: ta.accessToken,
      body: { role: "operator" },
    });
    expect(res.statusCode, res.body).toBe(202);
    const grantId = (res.json() as { id: string }).id;
    expect((await h.users.findById(viewer.id))?.role).toBe("viewer");
    expectProblem(await h.request("POST", `/users/grants/${grantId}/approve`, { token: ta.accessToken }), 403);
    // Demotion is one person's call.
    const admin = await h.createUser("admin");
    const down = await h.request("POST", `/users/${admin.id}/role`, {
      token: ta.accessToken,
      body: { role: "viewer" },
    });
    expect(down.statusCode, down.body).toBe(200);
    expect((await h.users.findById(admin.id))?.role).toBe("viewer");
    const ok = await h.request("POST", `/users/grants/${grantId}/approve`, {
      token: (await h.login(adminC)).accessToken,
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect((await h.users.findById(viewer.id))?.role).toBe("operator");
  });
});

describe("risk limits", () => {
  async function limits(t: Tokens) {
    const res = await h.request("GET", "/risk/limits", { token: t.accessToken });
    return res.json() as { version: number; limits: Record<string, unknown> & { defaultMaxAmountIn: string } };
  }

  it("raising a limit or lowering the minimum profit waits for a second admin; tightening applies at once", async () => {
    const ta = await h.login(adminA);
    const before = await limits(ta);
    const raised = { ...before.limits, defaultMaxAmountIn: (BigInt(before.limits.defaultMaxAmountIn) * 2n).toString() };
    const res = await h.request("PUT", "/risk/limits", {
      token: ta.accessToken,
      body: { expectedVersion: before.version, limits: raised },
    });
    expect(res.statusCode, res.body).toBe(202);
    const requestId = (res.json() as { id: string }).id;
    expect((await limits(ta)).limits).toEqual(before.limits);
    expectProblem(
      await h.request("POST", `/risk/limits/requests/${requestId}/approve`, { token: ta.accessToken }),
      403,
    );
    const ok = await h.request("POST", `/risk/limits/requests/${requestId}/approve`, {
      token: (await h.login(adminC)).accessToken,
    });
    expect(ok.statusCode, ok.body).toBe(200);
    const after = await limits(ta);
    expect(after.limits.defaultMaxAmountIn).toBe(raised.defaultMaxAmountIn);

    const cheaper = await h.request("PUT", "/risk/limits", {
      token: ta.accessToken,
      body: { expectedVersion: after.version, limits: { ...after.limits, minProfitAfterGasWei: "0" } },
    });
    expect(cheaper.statusCode, cheaper.body).toBe(202);

    const tighter = { ...after.limits, defaultMaxAmountIn: "1", dailyLossLimitWei: "1" };
    const one = await h.request("PUT", "/risk/limits", {
      token: ta.accessToken,
      body: { expectedVersion: after.version, limits: tighter },
    });
    expect(one.statusCode, one.body).toBe(200);
    expect((await limits(ta)).limits).toEqual(tighter);
  });
});
