import { once } from "node:events";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseApiEnv } from "../config.ts";
import { ModeRequests } from "../mode-requests.ts";
import { ApiHarness, expectProblem, type TestUser } from "../testing/harness.ts";
import { CONSOLE_CLIENT_HEADER, REFRESH_COOKIE } from "./index.ts";

let h: ApiHarness;
let operator: TestUser;
let url: string;
const consoleClient = { [CONSOLE_CLIENT_HEADER]: "console" };

beforeAll(async () => {
  // Every tick sends an overview: a stream that should have ended shows itself by sending more.
  h = await ApiHarness.start({ overviewRefreshMs: 1000 });
  operator = await h.createUser("operator");
  url = await h.app.listen({ port: 0, host: "127.0.0.1" });
});
afterAll(async () => h.close());

interface StreamEvent {
  event: string;
  data: { version: number; pendingRequests: { reason: string }[] };
}

/** GET /events/overview over a socket; `next()` is the next event, or null once the server ended the stream. */
async function openOverview(base: string, accessToken: string) {
  const abort = new AbortController();
  const res = await fetch(`${base}/events/overview`, {
    headers: { authorization: `Bearer ${accessToken}` },
    signal: abort.signal,
  });
  const reader = (res.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  return {
    res,
    async next(): Promise<StreamEvent | null> {
      for (;;) {
        const end = buffered.indexOf("\n\n");
        if (end >= 0) {
          const chunk = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          return {
            event: /^event: (.*)$/m.exec(chunk)?.[1] ?? "",
            data: JSON.parse(/^data: (.*)$/m.exec(chunk)?.[1] ?? ""),
          };
        }
        const { value, done } = await reader.read();
        if (done) return null;
        buffered += value;
      }
    },
    async nextOverview(): Promise<StreamEvent["data"]> {
      for (;;) {
        const e = await this.next();
        if (e === null) throw new Error("the stream ended");
        if (e.event === "overview") return e.data;
      }
    },
    /** The events up to the end of the stream; more than `max` means it did not end. */
    async untilEnd(max: number): Promise<string[]> {
      const seen: string[] = [];
      for (let e = await this.next(); e !== null; e = await this.next()) {
        seen.push(e.event);
        if (seen.length > max) throw new Error(`the stream went on: ${seen.join(", ")}`);
      }
      return seen;
    },
    close(): void {
      abort.abort();
    },
  };
}

/** The open event streams, as /metrics reports them. */
async function openStreams(): Promise<number> {
  const metrics = (await h.request("GET", "/metrics")).body;
  return Number(/^orion_api_event_streams (\d+)$/m.exec(metrics)?.[1]);
}

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
    const admin = await h.createUser("admin");
    const stream = await openOverview(url, (await h.login(admin)).accessToken);
    try {
      const first = await stream.nextOverview();
      expect(first.pendingRequests).toEqual([]);
      const state = await h.control.read();
      await new ModeRequests(h.pool).create("live", "asked by the test", admin.id, state.version, h.now());
      let later = await stream.nextOverview();
      while (later.pendingRequests.length === 0) later = await stream.nextOverview();
      expect(later.pendingRequests.map((r) => r.reason)).toEqual(["asked by the test"]);
      expect(later.version).toBe(first.version);
    } finally {
      stream.close();
    }
  });
});

describe("GET /events/overview", () => {
  it("refuses a request without a token", async () => {
    expectProblem(await h.request("GET", "/events/overview"), 401);
  });

  it("streams with the security headers every other response carries, though it writes its own head", async () => {
    const stream = await openOverview(url, (await h.login(operator)).accessToken);
    const { headers } = stream.res;
    // Aborted unread, as console.test.ts always did: the stream is released (and closing the server no longer waits
    // 67 s on the spare connection fetch opens after such an abort).
    stream.close();
    expect(headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(headers.get("strict-transport-security")).toContain("max-age=");
    expect(headers.get("x-content-type-options")).toBe("nosniff");
    await expect.poll(openStreams).toBe(0);
  });

  it("ends within a tick of its session being revoked (logout)", async () => {
    const { accessToken } = await h.login(operator);
    const stream = await openOverview(url, accessToken);
    try {
      await stream.nextOverview();
      expect(await openStreams()).toBe(1);
      expect((await h.request("POST", "/auth/logout", { token: accessToken })).statusCode).toBe(204);
      // An overview already being written may come first.
      expect((await stream.untilEnd(2)).filter((e) => e !== "overview")).toEqual(["revoked"]);
      expect(await openStreams()).toBe(0);
    } finally {
      stream.close();
    }
  });

  it("ends open streams when the server closes, and the close waits on no client", async () => {
    const other = await h.anotherInstance();
    const base = await other.listen({ port: 0, host: "127.0.0.1" });
    const stream = await openOverview(base, (await h.login(operator)).accessToken);
    // A connection that never sends a request: Node's close alone waits for the client to drop it.
    const silent = connect(Number(new URL(base).port), "127.0.0.1");
    await once(silent, "connect");
    try {
      await stream.nextOverview();
      const closing = other.close();
      expect((await stream.untilEnd(1)).filter((e) => e !== "overview")).toEqual([]);
      await once(silent, "close");
      await closing;
    } finally {
      stream.close();
      silent.destroy();
    }
  });
});
