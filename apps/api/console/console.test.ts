import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiHarness, expectProblem, type TestUser } from "../testing/harness.ts";
import { CONSOLE_CLIENT_HEADER, REFRESH_COOKIE } from "./index.ts";

let h: ApiHarness;
let operator: TestUser;
const consoleClient = { [CONSOLE_CLIENT_HEADER]: "console" };

beforeAll(async () => {
  h = await ApiHarness.start();
  operator = await h.createUser("operator");
});
afterAll(async () => h.close());

const cookieOf = (setCookie: string | string[] | undefined) => String(setCookie ?? "");

describe("the console's refresh cookie", () => {
  it("keeps the refresh token out of the console's JSON, in an httpOnly SameSite=Strict cookie on /auth", async () => {
    const res = await h.request("POST", "/auth/login", {
      headers: consoleClient,
      body: { email: operator.email, password: operator.password, totp: h.code(operator) },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).not.toHaveProperty("refreshToken");
    const cookie = cookieOf(res.headers["set-cookie"]);
    expect(cookie).toMatch(
      new RegExp(`^${REFRESH_COOKIE}=[A-Za-z0-9_-]{20,}; Path=/auth; Max-Age=\\d+; HttpOnly; SameSite=Strict`),
    );
    // Not a loopback host: the cookie is Secure.
    const remote = await h.request("POST", "/auth/login", {
      headers: { ...consoleClient, host: "console.example.com" },
      body: { email: operator.email, password: operator.password, totp: h.code(operator) },
    });
    expect(cookieOf(remote.headers["set-cookie"])).toMatch(/; Secure$/);

    const token = /=([^;]+)/.exec(cookie)?.[1] ?? "";
    const refreshed = await h.request("POST", "/auth/refresh", {
      headers: { ...consoleClient, cookie: `${REFRESH_COOKIE}=${token}` },
      body: {},
    });
    expect(refreshed.statusCode).toBe(200);
    expect(refreshed.json()).toHaveProperty("accessToken");
    expect(cookieOf(refreshed.headers["set-cookie"])).not.toContain(token);
    // The rotated-away token is refused, and the console's cookie is cleared.
    const reused = await h.request("POST", "/auth/refresh", {
      headers: { ...consoleClient, cookie: `${REFRESH_COOKIE}=${token}` },
      body: {},
    });
    expectProblem(reused, 401);
    expect(cookieOf(reused.headers["set-cookie"])).toContain("Max-Age=0");
  });

  it("leaves other clients' JSON contract as it was", async () => {
    const tokens = await h.login(operator);
    expect(tokens.refreshToken).toMatch(/^[A-Za-z0-9_-]{20,}$/);
  });
});

describe("GET /events/overview", () => {
  it("refuses a request without a token", async () => {
    expectProblem(await h.request("GET", "/events/overview"), 401);
  });

  it("streams with the security headers every other response carries, though it writes its own head", async () => {
    const { accessToken } = await h.login(operator);
    const url = await h.app.listen({ port: 0, host: "127.0.0.1" });
    const stream = new AbortController();
    try {
      const res = await fetch(`${url}/events/overview`, {
        headers: { authorization: `Bearer ${accessToken}` },
        signal: stream.signal,
      });
      expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
      expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
      expect(res.headers.get("strict-transport-security")).toContain("max-age=");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    } finally {
      stream.abort();
    }
  });
});
