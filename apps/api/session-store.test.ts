import { describe, expect, it } from "vitest";
import { MAX_FAILED_LOGINS } from "../identity/index.ts";
import { ApiHarness, expectProblem } from "./testing/harness.ts";

/**
 * The API is one code path over either session store (ORION_SESSION_STORE): the flows that depend on the shared
 * state run here on both, each against its real server. The rest of the API's tests run on Redis; the stores'
 * own contract (apps/identity/state/state.test.ts) holds them to the same behaviour underneath.
 */
describe.each(["redis", "postgres"] as const)("the API with its session state in %s", (sessionStore) => {
  it("signs in with a TOTP code, rotates the refresh token, and ends the family on reuse", async () => {
    const h = await ApiHarness.start({}, { sessionStore });
    try {
      const viewer = await h.createUser("viewer");
      const t = await h.login(viewer);
      expect((await h.request("GET", "/pnl", { token: t.accessToken })).statusCode).toBe(200);
      // A code is spent once, whichever instance or route sees it: the same one again is a replay.
      const code = h.code(viewer);
      const signIn = () =>
        h.request("POST", "/auth/login", { body: { email: viewer.email, password: viewer.password, totp: code } });
      expect((await signIn()).statusCode).toBe(200);
      expectProblem(await signIn(), 401);
      const r = await h.request("POST", "/auth/refresh", { body: { refreshToken: t.refreshToken } });
      expect(r.statusCode).toBe(200);
      expectProblem(await h.request("POST", "/auth/refresh", { body: { refreshToken: t.refreshToken } }), 401);
      const fresh = (r.json() as { accessToken: string }).accessToken;
      expectProblem(await h.request("GET", "/pnl", { token: fresh }), 401);
    } finally {
      await h.close();
    }
  });

  it("a logout on one instance is honoured by another at once, not after its session cache expires", async () => {
    const h = await ApiHarness.start({ sessionCacheMs: 3_600_000 }, { sessionStore });
    const other = await h.anotherInstance();
    try {
      const t = await h.login(await h.createUser("viewer"));
      const onOther = () =>
        other.inject({ method: "GET", url: "/pnl", headers: { authorization: `Bearer ${t.accessToken}` } });
      expect((await onOther()).statusCode).toBe(200);
      expect((await h.request("POST", "/auth/logout", { token: t.accessToken })).statusCode).toBe(204);
      await expect.poll(async () => (await onOther()).statusCode, { interval: 5, timeout: 10_000 }).toBe(401);
    } finally {
      await other.close();
      await h.close();
    }
  });

  it("locks an account after its failed attempts, whichever instance they reach", async () => {
    const h = await ApiHarness.start({}, { sessionStore });
    const other = await h.anotherInstance();
    try {
      const trader = await h.createUser("trader");
      const wrong = (i: number) => ({ email: trader.email, password: `wrong password ${i}` });
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          i % 2 === 0
            ? h.request("POST", "/auth/login", { body: wrong(i) })
            : other.inject({ method: "POST", url: "/auth/login", payload: wrong(i) }),
        ),
      );
      const statuses = answers.map((a) => a.statusCode);
      expect(statuses.filter((s) => s === 401)).toHaveLength(MAX_FAILED_LOGINS);
      expect(statuses.filter((s) => s !== 401).every((s) => s === 423)).toBe(true);
      expectProblem(
        await h.request("POST", "/auth/login", {
          body: { email: trader.email, password: trader.password, totp: h.code(trader) },
        }),
        423,
      );
    } finally {
      await other.close();
      await h.close();
    }
  });

  it("shares the per-user request budget between instances", async () => {
    const h = await ApiHarness.start({ rateLimits: { perUser: 30, perIp: 100_000, login: 1000 } }, { sessionStore });
    const other = await h.anotherInstance();
    try {
      const t = await h.login(await h.createUser("viewer"));
      for (let i = 0; i < 30; i++)
        expect((await h.request("GET", "/pnl", { token: t.accessToken })).statusCode).toBe(200);
      expectProblem(await h.request("GET", "/pnl", { token: t.accessToken }), 429);
      await expect
        .poll(
          async () =>
            (await other.inject({ method: "GET", url: "/pnl", headers: { authorization: `Bearer ${t.accessToken}` } }))
              .statusCode,
          { interval: 20, timeout: 20_000 },
        )
        .toBe(429);
    } finally {
      await other.close();
      await h.close();
    }
  });

  it("is ready when its store answers", async () => {
    const h = await ApiHarness.start({}, { sessionStore });
    try {
      expect((await h.request("GET", "/readyz")).statusCode).toBe(200);
    } finally {
      await h.close();
    }
  });
});
