/**
 * `orion dev --services --execution erc4337`, the real binary: each bot its own `orion run` process, the executor's
 * reaching a real alto and the session's paymaster service by URL (as it would hosted ones), talking through real
 * Redis and PostgreSQL. And Ctrl-C in a terminal (SIGINT to the whole process group) ends it cleanly: alto runs in
 * its own group, so it outlives the signal until the session has settled its in-flight operations, then stops with it.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/support/postgres.ts";
import { deleteKeysWithPrefix, TEST_REDIS_URL, testKeyPrefix } from "../../test/support/redis.ts";
import { alive, expectExactUserOperations } from "../../test/support/user-operation-report.ts";
import { sessionReportSchema } from "./report.ts";

const ORION = fileURLToPath(new URL("../../bin/orion.mjs", import.meta.url));

let db: TestDatabase;
let dir: string;
const prefix = testKeyPrefix();
beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), "orion-services-erc4337-"));
});
afterAll(async () => {
  await db.drop();
  await deleteKeysWithPrefix(prefix);
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `orion dev` in a process group of its own, standing for a terminal's foreground group; `interruptWhen` sends SIGINT
 * to the whole group once stdout matches it, as Ctrl-C does.
 */
function orionDev(args: string[], interruptWhen?: RegExp): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [ORION, "dev", ...args], {
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        REDIS_URL: TEST_REDIS_URL,
        ORION_REDIS_PREFIX: prefix,
        ORION_HOME: dir,
        LOG_LEVEL: "fatal",
      },
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    let interrupted = false;
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
      if (interruptWhen && !interrupted && interruptWhen.test(stdout)) {
        interrupted = true;
        process.kill(-child.pid!, "SIGINT");
      }
    });
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The pid alto ran as, from the session's start line. */
function altoPid(stdout: string): number {
  const m =
    /^bundler: alto \(pid (\d+)\) at http:\/\/127\.0\.0\.1:\d+, paymaster service at http:\/\/127\.0\.0\.1:\d+/m.exec(
      stdout,
    );
  expect(m, stdout).not.toBeNull();
  return Number(m![1]);
}

async function journal(ids: string[]) {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; route: string; user_op_hash: string | null; status: string }>(
      "SELECT id, route, user_op_hash, status FROM trades WHERE id = ANY($1)",
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r]));
  } finally {
    await client.end();
  }
}

describe("orion dev --services --execution erc4337 (real alto, Redis, PostgreSQL; each bot its own process)", () => {
  it("live: the executor's process trades through user operations, exact to the wei; the journal holds each hash", async () => {
    const file = join(dir, "services-erc4337.json");
    const args = ["--services", "--mode", "live", "--execution", "erc4337", "--blocks", "12", "--block-time", "2000"];
    const run = await orionDev([...args, "--port", "0", "--report", file]);
    expect(run.code, run.stderr).toBe(0);
    const r = sessionReportSchema.parse(JSON.parse(await readFile(file, "utf8")));

    expect(r).toMatchObject({ mode: "live", execution: "erc4337", chainId: 31337 });
    expect(r.processes?.map((p) => p.bot)).toEqual(["scanner", "orchestrator", "executor", "api"]);
    for (const p of r.processes ?? []) expect(alive(p.pid)).toBe(false);
    expect(alive(altoPid(run.stdout))).toBe(false);

    const sent = expectExactUserOperations(r, 1);
    // Every trade sent went as a user operation: no EOA transaction.
    expect(r.trades.filter((t) => t.txHash !== null && !t.userOpHash)).toEqual([]);
    expect(r.executor.nonceEnd).toBe(r.executor.nonceStart);
    // The journal the executor's process wrote: the route and the same hash for every trade it sent.
    const rows = await journal(sent.map((t) => t.id));
    for (const t of sent) {
      expect(rows.get(t.id)).toMatchObject({ route: "erc4337", user_op_hash: t.userOpHash, status: t.status });
    }
  }, 600_000);

  it("Ctrl-C to the whole process group: the session settles its operations, then alto and every bot are gone", async () => {
    const file = join(dir, "interrupted.json");
    const args = ["--services", "--mode", "live", "--execution", "erc4337", "--block-time", "2000", "--port", "0"];
    const run = await orionDev([...args, "--report", file], /^ {2}trade confirmed/m);
    expect(run.stderr).not.toMatch(/ECONNREFUSED|ECONNRESET|exited with code/);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^session: blocks \d+\.\.\d+/m);
    const r = sessionReportSchema.parse(JSON.parse(await readFile(file, "utf8")));
    expect(r.execution).toBe("erc4337");
    // What was sent before the signal was followed to its end, not abandoned in flight.
    expect(r.trades.some((t) => t.status === "confirmed" && t.userOpHash)).toBe(true);
    expect(alive(altoPid(run.stdout))).toBe(false);
    for (const p of r.processes ?? []) expect(alive(p.pid)).toBe(false);
  }, 600_000);
});
