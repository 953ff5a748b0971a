import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_FAILED_LOGINS } from "../identity/index.ts";
import { ApiHarness, expectProblem } from "./testing/harness.ts";

/**
 * Attack tests for "lockout without races" (issue 13, item 4): parallel guesses, second-factor guesses on the
 * step-up route, and a password oracle in the answer to a right password sent without a code.
 */
let h: ApiHarness;

beforeAll(async () => {
  h = await ApiHarness.start();
});
afterAll(async () => h.close());

function login(body: Record<string, string>) {
  return h.request("POST", "/auth/login", { body });
}

describe("lockout", () => {
  it("40 parallel wrong passwords get at most 5 verdicts; the rest, and then the right password, are locked out", async () => {
    const trader = await h.createUser("trader");
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => login({ email: trader.email, password: `wrong password ${i}` })),
    );
    const statuses = answers.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(MAX_FAILED_LOGINS);
    expect(statuses.filter((s) => s !== 401).every((s) => s === 423)).toBe(true);
    expectProblem(await login({ email: trader.email, password: trader.password, totp: h.code(trader) }), 423);
    expect(await h.auditCount({ action: "auth.lockout" })).toBeGreaterThanOrEqual(1);
  });

  it("second-factor guesses on /auth/mfa count toward the same lockout as logins", async () => {
    const admin = await h.createUser("admin");
    const t = await h.login(admin);
    const guesses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        h.request("POST", "/auth/mfa", {
          token: t.accessToken,
          body: { totp: String(100000 + i * 37) },
        }),
      ),
    );
    const statuses = guesses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(MAX_FAILED_LOGINS);
    expect(statuses).toContain(423);
    // Locked on every route: the right code on the step-up route, and a full login with password and code.
    expectProblem(await h.request("POST", "/auth/mfa", { token: t.accessToken, body: { totp: h.code(admin) } }), 423);
    expectProblem(await login({ email: admin.email, password: admin.password, totp: h.code(admin) }), 423);
  });

  it("a right password without a code answers exactly like a wrong one", async () => {
    const admin = await h.createUser("admin");
    const right = expectProblem(await login({ email: admin.email, password: admin.password }), 401);
    const wrong = expectProblem(await login({ email: admin.email, password: "not the password at all" }), 401);
    expect(right).toEqual(wrong);
  });
});
