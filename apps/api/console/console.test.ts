import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseApiEnv } from "../config.ts";
import { ModeRequests } from "../mode-requests.ts";
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

describe("the overview stream's refresh (ORION_OVERVIEW_REFRESH_MS)", () => {
  it("is 5 s unless set, and refused as one line naming the variable when it is not milliseconds", () => {
    expect(parseApiEnv({}).ORION_OVERVIEW_REFRESH_MS).toBe(5000);
    expect(parseApiEnv({ ORION_OVERVIEW_REFRESH_MS: "1000" }).ORION_OVERVIEW_REFRESH_MS).toBe(1000);
    expect(() => parseApiEnv({ ORION_OVERVIEW_REFRESH_MS: "1s" })).toThrow(
      "ORION_OVERVIEW_REFRESH_MS must be milliseconds, 100 to 999999",
    );
  });

  it("sends what changed without a control change (a pending request) at the next refresh", async () => {
    const fast = await ApiHarness.start({ overviewRefreshMs: 1000 });
    const stream = new AbortController();
    let reader: ReadableStreamDefaultReader<string> | undefined;
    try {
      const admin = await fast.createUser("admin");
      const { accessToken } = await fast.login(admin);
      const url = await fast.app.listen({ port: 0, host: "127.0.0.1" });
      const res = await fetch(`${url}/events/overview`, {
        headers: { authorization: `Bearer ${accessToken}` },
        signal: stream.signal,
      });
      reader = (res.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
      let buffered = "";
      const nextOverview = async (): Promise<{ version: number; pendingRequests: { reason: string }[] }> => {
        for (;;) {
          const end = buffered.indexOf("\n\n");
          if (end >= 0) {
            const chunk = buffered.slice(0, end);
            buffered = buffered.slice(end + 2);
            const data = /^data: (.*)$/m.exec(chunk)?.[1];
            if (/^event: overview$/m.test(chunk) && data) return JSON.parse(data);
            continue;
          }
          const { value, done } = await (reader as ReadableStreamDefaultReader<string>).read();
          if (done) throw new Error("the stream ended");
          buffered += value;
        }
      };
      const first = await nextOverview();
      expect(first.pendingRequests).toEqual([]);
      const state = await fast.control.read();
      await new ModeRequests(fast.pool).create("live", "asked by the test", admin.id, state.version, fast.now());
      let later = await nextOverview();
      while (later.pendingRequests.length === 0) later = await nextOverview();
      expect(later.pendingRequests.map((r) => r.reason)).toEqual(["asked by the test"]);
      expect(later.version).toBe(first.version);
    } finally {
      await reader?.cancel();
      stream.abort();
      await fast.close();
    }
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
