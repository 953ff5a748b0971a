import pino from "pino";
import { describe, expect, it } from "vitest";
import { REDACT_PATHS } from "../app.ts";
import { ApiHarness } from "../testing/harness.ts";
import { RequestLogger } from "./request-logger.ts";

/** A pino logger as the API builds it, its lines and its children counted. */
function rootLogger(level: string) {
  const lines: Record<string, unknown>[] = [];
  let children = 0;
  const root = pino(
    { level, redact: { paths: REDACT_PATHS, censor: "[redacted]" }, onChild: () => void children++ },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { root, lines, children: () => children };
}

describe("a request's logger", () => {
  it("makes no child logger until the request writes a line at an enabled level", () => {
    const { root, lines, children } = rootLogger("info");
    const log = new RequestLogger(root, { reqId: "req-7" }, {});
    log.debug({ step: 1 }, "below the level");
    log.trace("below the level too");
    expect(children()).toBe(0);
    expect(lines).toEqual([]);
    expect(log.level).toBe("info");

    log.warn({ user: { password: "hunter2 hunter2" } }, "written");
    log.error("written too");
    expect(children()).toBe(1);
    expect(lines).toMatchObject([
      { level: 40, reqId: "req-7", msg: "written", user: { password: "[redacted]" } },
      { level: 50, reqId: "req-7", msg: "written too" },
    ]);
  });

  it("follows a level set on it, and its own children carry its bindings", () => {
    const { root, lines } = rootLogger("info");
    const log = new RequestLogger(root, { reqId: "req-8" }, {});
    log.level = "debug";
    log.debug("now written");
    log.child({ part: "auth" }).info("from a child");
    expect(lines).toMatchObject([
      { level: 20, reqId: "req-8", msg: "now written" },
      { level: 30, reqId: "req-8", part: "auth", msg: "from a child" },
    ]);
    expect(root.level).toBe("info");
  });
});

describe("the API's request lines", () => {
  async function linesOf(level: string, run: (h: ApiHarness) => Promise<void>) {
    const lines: Record<string, unknown>[] = [];
    const h = await ApiHarness.start({
      logLevel: level,
      logStream: { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) },
    });
    try {
      const user = await h.createUser("viewer");
      const tokens = await h.login(user);
      lines.length = 0;
      await run(h);
      await h.request("GET", "/mode/status", { token: tokens.accessToken });
      return lines;
    } finally {
      await h.close();
    }
  }

  it("at info, a request that went right writes nothing", async () => {
    expect(await linesOf("info", async () => undefined)).toEqual([]);
  });

  it("at debug, one line per request: its id, method, URL, status and time, no credential", async () => {
    const lines = await linesOf("debug", async () => undefined);
    const completed = lines.filter((l) => l.msg === "request completed");
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({
      reqId: expect.any(String),
      req: { method: "GET", url: "/mode/status" },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
    });
    expect(JSON.stringify(lines)).not.toMatch(/Bearer|authorization/i);
    expect(lines.some((l) => l.msg === "incoming request")).toBe(false);
  });
});
