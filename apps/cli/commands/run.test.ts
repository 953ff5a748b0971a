import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { startTlsRedis } from "../../connections/testing/tls-redis.ts";
import { adminQuery, TEST_PG_ADMIN_URL } from "../../../test/support/postgres.ts";
import { deleteKeysWithPrefix, TEST_REDIS_URL, testKeyPrefix } from "../../../test/support/redis.ts";
import { orionInProcess } from "../../../test/support/orion-in-process.ts";
import { until } from "../../../test/support/until.ts";

const ORION = fileURLToPath(new URL("../../../bin/orion.mjs", import.meta.url));
const prefix = testKeyPrefix();
const dbName = `orion_run_${randomBytes(6).toString("hex")}`;
afterAll(async () => {
  await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await deleteKeysWithPrefix(prefix);
});

/** A container's environment: nothing from this machine's shell but PATH (and the test's own ORION_HOME). */
const containerEnv = (env: Record<string, string>) => ({
  PATH: process.env.PATH ?? "",
  ORION_HOME: process.env.ORION_HOME ?? "",
  ...env,
});

/** A bot started as the container starts it: `orion run <bot>`, the environment its only configuration. */
function orionRun(bot: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [ORION, "run", bot], {
    env: containerEnv(env),
  }) as ChildProcessWithoutNullStreams;
  const lines: Record<string, unknown>[] = [];
  let stderr = "";
  let buffered = "";
  const waiters = new Set<() => void>();
  child.stdout.on("data", (c: Buffer) => {
    buffered += c.toString();
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    for (const p of parts) if (p) lines.push(JSON.parse(p) as Record<string, unknown>);
    for (const w of waiters) w();
  });
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  /** Resolves with the first log line that matches; the generous timeout is for two busy cores. */
  const line = (match: (l: Record<string, unknown>) => boolean, timeoutMs = 60_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const found = lines.find(match);
        if (found) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no matching log line; got ${JSON.stringify(lines)} ${stderr}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return { child, lines, line, exited, stderr: () => stderr };
}

describe("orion run <bot>", () => {
  it("exits 2 before connecting, with one line naming a missing or malformed variable", async () => {
    const missing = orionRun("executor", { REDIS_URL: TEST_REDIS_URL, DATABASE_URL: "postgres://127.0.0.1:1/x" });
    expect(await missing.exited).toBe(2);
    expect(missing.stderr()).toBe(
      "orion: run executor: RPC_URLS is not set: it must be comma-separated http(s) JSON-RPC URLs of one chain (failover order), and a ws(s) one for new heads\n",
    );
    expect(missing.lines).toEqual([]);

    // A scanner whose configuration is right but for `over`, refused in this process with `line`: the exit code and
    // the line are all these cases check (the two real starts here show that nothing is logged before a refusal).
    const scannerRefuses = async (over: Record<string, string>, line: string) => {
      const env = containerEnv({
        REDIS_URL: TEST_REDIS_URL,
        RPC_URLS: "http://127.0.0.1:1",
        ORION_POOLS: "examples/snapshot.sample.json",
        ORION_CHAIN: "polygon",
        ...over,
      });
      expect(await orionInProcess(["run", "scanner"], env)).toEqual({
        code: 2,
        stdout: "",
        stderr: `orion: run scanner: ${line}\n`,
      });
    };
    await scannerRefuses(
      { RPC_URLS: "http://127.0.0.1:1/secret-api-key,ftp://x" },
      "RPC_URLS must be comma-separated http(s) JSON-RPC URLs (and ws(s) ones for new heads)",
    );
    // A socket gives new heads only: the requests need an http(s) URL.
    await scannerRefuses(
      { RPC_URLS: "ws://127.0.0.1:1/secret-api-key" },
      "RPC_URLS must list at least one http(s) URL for requests (a ws(s) URL gives new heads only)",
    );
    await scannerRefuses(
      { ORION_POOLS: "/nonexistent/pools.json" },
      "ORION_POOLS /nonexistent/pools.json: does not exist",
    );

    // The chain profile: one that does not exist, and one of another chain than the snapshot's.
    await scannerRefuses(
      { ORION_CHAIN: "/nonexistent/chain.json" },
      "ORION_CHAIN /nonexistent/chain.json: cannot read the chain profile (ENOENT)",
    );
    await scannerRefuses(
      { ORION_CHAIN: "ethereum" },
      "ORION_POOLS examples/snapshot.sample.json: snapshot of chain 137, but ORION_CHAIN ethereum is chain 1",
    );

    // The ERC-4337 route configured by halves: the variable it lacks, before anything starts.
    const erc4337 = orionRun("executor", {
      REDIS_URL: TEST_REDIS_URL,
      DATABASE_URL: "postgres://127.0.0.1:1/x",
      RPC_URLS: "http://127.0.0.1:1",
      ORION_POOLS: "examples/snapshot.sample.json",
      ORION_CHAIN: "polygon",
      ORION_EXECUTOR_CONTRACT: "0x00000000000000000000000000000000000000e1",
      ORION_EXECUTOR_ACCOUNT: "0x00000000000000000000000000000000000000a1",
      ORION_EXECUTION: "erc4337",
      ORION_ENTRY_POINT: "0x4337084d9e255ff0702461cf8895ce9e3b5ff108",
      ORION_SMART_ACCOUNT_CONTRACT: "0x00000000000000000000000000000000000000e2",
    });
    expect(await erc4337.exited).toBe(2);
    expect(erc4337.stderr()).toBe(
      "orion: run executor: ORION_SMART_ACCOUNT is not set: ORION_EXECUTION=erc4337 needs it " +
        "(the smart account that sends the operations)\n",
    );
    expect(erc4337.lines).toEqual([]);

    await scannerRefuses({ ORION_WAIT_MAX_MS: "10s" }, "ORION_WAIT_MAX_MS must be milliseconds, 100 to 999999");

    // A secret mounted as a file (GKE) that is not there: the same one line, naming the variable that points at it.
    await scannerRefuses(
      { RPC_URLS: "", RPC_URLS_FILE: "/nonexistent/RPC_URLS" },
      "RPC_URLS_FILE /nonexistent/RPC_URLS: cannot be read (ENOENT)",
    );
  }, 60_000);

  it("waits for a database that is not there yet with /readyz false, becomes ready, and stops on SIGTERM, whatever signals follow", async () => {
    const url = new URL(TEST_PG_ADMIN_URL);
    url.pathname = `/${dbName}`;
    const bot = orionRun("orchestrator", {
      PORT: "0",
      REDIS_URL: TEST_REDIS_URL,
      DATABASE_URL: url.toString(),
      ORION_KEY_PREFIX: prefix,
      GOOGLE_CLOUD_PROJECT: "my-project",
      // Tries at most 500 ms apart (default 10 s): the database below is found soon after it is created.
      ORION_WAIT_MAX_MS: "500",
    });
    const started = await bot.line((l) => l.message === "orchestrator starting");
    const base = String(started.url);
    const waiting = await bot.line((l) => String(l.message).startsWith("waiting for PostgreSQL"));
    expect(waiting).toMatchObject({ severity: "WARNING", bot: "orchestrator" });
    expect(String(waiting.message)).toMatch(/^waiting for PostgreSQL at 127\.0\.0\.1:5432\/orion_run_\w+: /);
    expect(JSON.stringify(bot.lines)).not.toContain("postgres://");
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(JSON.stringify(await notReady.json())).toMatch(/PostgreSQL at 127\.0\.0\.1:5432/);

    await adminQuery(`CREATE DATABASE ${dbName}`);
    await until(async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined), "the bot ready");
    await bot.line((l) => l.message === "orchestrator ready");
    const pauses = bot.lines.filter((l) => String(l.message).startsWith("waiting for")).map((l) => l.retryInMs);
    expect(Math.max(...pauses.map(Number))).toBeLessThanOrEqual(500);
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('service="orion-orchestrator"');

    const signalled = Date.now();
    bot.child.kill("SIGTERM");
    // More signals all through the stop, to its last moment (Ctrl-C reaches `orion dev --services` and its bots at
    // once, then the session sends SIGTERM): none may kill it on the way out.
    const again = setInterval(() => bot.child.kill("SIGINT"), 1);
    const code = await bot.exited;
    clearInterval(again);
    expect(code).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(bot.stderr()).toBe("");
    expect(bot.lines.at(-1)).toMatchObject({ severity: "INFO", message: "orchestrator stopped" });
    for (const l of bot.lines) expect(Object.keys(l)).toEqual(expect.arrayContaining(["severity", "message", "time"]));
  }, 120_000);

  it("in the cloud's shape: Memorystore TLS with its CA and AUTH; a wrong CA or password keeps /readyz false, never plaintext", async () => {
    const redis = await startTlsRedis({ plaintextToo: true });
    const secrets = mkdtempSync(join(tmpdir(), "orion-run-secrets-"));
    const url = new URL(TEST_PG_ADMIN_URL);
    url.pathname = `/${dbName}`;
    // The variables the Region component writes for Memorystore, pointed at a TLS-only redis-server with its own CA.
    const cloud = (over: Record<string, string>) =>
      orionRun("orchestrator", {
        PORT: "0",
        REDIS_HOST: redis.host,
        REDIS_PORT: String(redis.tlsPort),
        REDIS_TLS: "true",
        REDIS_CA_CERT: redis.ca,
        REDIS_PASSWORD: redis.password,
        DATABASE_URL: url.toString(),
        ORION_KEY_PREFIX: prefix,
        ...over,
      });
    const refused = async (over: Record<string, string>, reason: RegExp) => {
      const bot = cloud(over);
      try {
        const base = String((await bot.line((l) => l.message === "orchestrator starting")).url);
        const waiting = await bot.line((l) => String(l.message).startsWith("waiting for Redis"));
        expect(String(waiting.message)).toMatch(reason);
        const r = await fetch(`${base}/readyz`);
        expect(r.status).toBe(503);
        expect(JSON.stringify(await r.json())).toMatch(reason);
        expect(JSON.stringify(bot.lines)).not.toContain(redis.password);
      } finally {
        bot.child.kill("SIGTERM");
        expect(await bot.exited).toBe(0);
      }
      expect(bot.lines.some((l) => l.message === "orchestrator ready")).toBe(false);
    };
    try {
      await refused({ REDIS_CA_CERT: redis.otherCa }, /TLS certificate is not trusted .*REDIS_CA_CERT/);
      await refused({ REDIS_PASSWORD: "not-the-password" }, /AUTH refused: REDIS_PASSWORD/);
      // TLS asked for, pointed at the plaintext port: a failed handshake, not a plaintext session.
      await refused({ REDIS_PORT: String(redis.plainPort) }, /no TLS session/);

      // GKE's shape: the AUTH string as the file the Secret Manager add-on mounts, named by REDIS_PASSWORD_FILE.
      writeFileSync(join(secrets, "REDIS_PASSWORD"), `${redis.password}\n`);
      const bot = cloud({ REDIS_PASSWORD: "", REDIS_PASSWORD_FILE: join(secrets, "REDIS_PASSWORD") });
      const base = String((await bot.line((l) => l.message === "orchestrator starting")).url);
      await bot.line((l) => l.message === "orchestrator ready");
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      bot.child.kill("SIGTERM");
      expect(await bot.exited).toBe(0);
      // The control store and the bus went over TLS: their keys are on the TLS-only server.
      const { createRedis, redisEndpoint } = await import("../../connections/index.ts");
      const check = createRedis(
        redisEndpoint({
          REDIS_HOST: redis.host,
          REDIS_PORT: String(redis.tlsPort),
          REDIS_TLS: "true",
          REDIS_CA_CERT: redis.ca,
          REDIS_PASSWORD: redis.password,
        }),
      );
      try {
        expect(await check.keys(`${prefix}*`)).toEqual(expect.arrayContaining([`${prefix}control:state`]));
      } finally {
        check.disconnect();
      }
    } finally {
      await redis.stop();
      rmSync(secrets, { recursive: true, force: true });
    }
  }, 180_000);
});
