import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { Redis } from "ioredis";
import { createMigratedTestDatabase, type TestDatabase } from "../../test/support/postgres.ts";
import { TEST_REDIS_URL } from "../../test/support/redis.ts";
import { loadKeyMaterial, totpCode } from "../identity/index.ts";
import { loadOrCreateKeyFile } from "./config.ts";
import { runEmergencyShutdownDrill } from "./drill.ts";
import { Readable } from "node:stream";
import { InputError } from "../cli/errors.ts";
import { runUsersCreate } from "../cli/commands/users.ts";
import { runDrillEmergencyShutdown } from "../cli/commands/drill.ts";
import { runAuditVerify } from "../cli/commands/audit.ts";

const ORION = fileURLToPath(new URL("../../bin/orion.mjs", import.meta.url));
let db: TestDatabase;
let dir: string;
let env: NodeJS.ProcessEnv;

function orion(args: string[], input?: string, opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(process.execPath, [ORION, ...args], {
    env: opts.env ?? env,
    cwd: opts.cwd,
    input,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  db = await createMigratedTestDatabase("orion_cli");
  dir = mkdtempSync(join(tmpdir(), "orion-cli-"));
  env = {
    ...process.env,
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    ORION_HOME: dir,
    ORION_KEYS: undefined,
    ORION_KEYS_FILE: join(dir, "keys.json"),
  };
  const pool = new pg.Pool({ connectionString: db.url });
  await pool.end();
});
afterAll(async () => {
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe("orion users create", () => {
  it("bootstraps an admin from a password on stdin and prints the TOTP secret once as JSON", () => {
    const r = orion(
      ["users", "create", "--email", "First.Admin@example.com", "--role", "admin", "--password-stdin", "--json"],
      "a long admin password\n",
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out).sort()).toEqual(["email", "id", "role", "totpSecret"]);
    expect(out).toMatchObject({ email: "first.admin@example.com", role: "admin" });
    expect(totpCode(out.totpSecret, new Date())).toMatch(/^\d{6}$/);
  });

  it("exits 2 with one line for a bad role", () => {
    const r = orion(["users", "create", "--email", "x@example.com", "--role", "root"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toEqual([expect.stringMatching(/--role must be one of viewer, trader/)]);
  });

  it("refuses a short password or a duplicate email as bad input", async () => {
    const stdin = (text: string) => Object.assign(Readable.from([text]), {}) as unknown as NodeJS.ReadStream;
    for (const [email, password, msg] of [
      ["y@example.com", "short", /at least 12/],
      ["first.admin@example.com", "another long password", /already exists/],
    ] as const) {
      const run = runUsersCreate({ email, role: "viewer", passwordStdin: true }, env, stdin(`${password}\n`));
      await expect(run).rejects.toBeInstanceOf(InputError);
      await expect(
        runUsersCreate({ email, role: "viewer", passwordStdin: true }, env, stdin(`${password}\n`)),
      ).rejects.toThrow(msg);
    }
  });
});

describe("orion audit verify", () => {
  it("exits 0 on an intact chain and 1 naming the first tampered row", async () => {
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => out.push(chunk) > 0) as typeof process.stdout.write;
    try {
      await runAuditVerify({ json: true }, env);
    } finally {
      process.stdout.write = write;
    }
    expect(JSON.parse(out.join(""))).toMatchObject({ ok: true, rows: 1 });

    const pool = new pg.Pool({ connectionString: db.url });
    try {
      const c = await pool.connect();
      await c.query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete");
      await c.query("UPDATE audit_log SET action = 'users.delete' WHERE seq = 1");
      await c.query("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete");
      c.release();
    } finally {
      await pool.end();
    }
    const broken = orion(["audit", "verify"]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/broken at row 1: row contents do not match its hash/);
  });
});

describe("orion drill emergency-shutdown", () => {
  it("rehearses kill switch + sim + session revocation and sees no order afterwards", async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 5 });
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const keys = await loadKeyMaterial(
        await loadOrCreateKeyFile({ ORION_KEYS: undefined, ORION_KEYS_FILE: join(dir, "keys.json") }),
      );
      const result = await runEmergencyShutdownDrill({ pool, redis, redisUrl: TEST_REDIS_URL, keys });
      expect(result.steps.filter((s) => !s.ok)).toEqual([]);
      expect(result.steps.map((s) => s.name)).toContain("check: no order is placed afterwards");
      const { rows } = await pool.query(
        "SELECT action FROM audit_log WHERE action IN ('killswitch.set', 'mode.switch', 'auth.sessions.revoke_all')",
      );
      expect(rows).toHaveLength(3);
    } finally {
      redis.disconnect();
      await pool.end();
    }
  });

  it("runs as a command and reports every step", async () => {
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => out.push(chunk) > 0) as typeof process.stdout.write;
    try {
      await runDrillEmergencyShutdown({ json: true }, env);
    } finally {
      process.stdout.write = write;
    }
    expect(JSON.parse(out.join(""))).toMatchObject({ ok: true });
  });
});

describe("orion keys", () => {
  it("rotate keeps the old key accepted; retire drops it", async () => {
    const { runKeys } = await import("../cli/commands/keys.ts");
    const file = join(dir, "rotating.json");
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => out.push(chunk) > 0) as typeof process.stdout.write;
    try {
      await runKeys("show", file);
      const before = await loadOrCreateKeyFile({ ORION_KEYS: undefined, ORION_KEYS_FILE: file });
      await runKeys("rotate", file);
      const rotated = await loadOrCreateKeyFile({ ORION_KEYS: undefined, ORION_KEYS_FILE: file });
      expect(rotated.signing.kid).not.toBe(before.signing.kid);
      expect(rotated.verifyOnly?.map((k) => k.kid)).toEqual([before.signing.kid]);
      expect(rotated.kek).toBe(before.kek);
      await runKeys("retire", file);
      expect((await loadOrCreateKeyFile({ ORION_KEYS: undefined, ORION_KEYS_FILE: file })).verifyOnly).toEqual([]);
    } finally {
      process.stdout.write = write;
    }
    expect(out.join("")).toMatch(/rotated: signing key k-/);
  });
});

describe("orion audit export", () => {
  it("refuses a day that is not over and writes a closed day atomically", async () => {
    const { runAuditExport } = await import("../cli/commands/audit.ts");
    const today = new Date().toISOString().slice(0, 10);
    const out = join(dir, "day.jsonl");
    await expect(runAuditExport({ day: today, out }, env)).rejects.toBeInstanceOf(InputError);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      await runAuditExport({ day: yesterday, out }, env);
    } finally {
      process.stdout.write = write;
    }
    const { readFileSync } = await import("node:fs");
    const lines = readFileSync(out, "utf8").trim().split("\n");
    expect(JSON.parse(lines.at(-1) as string)).toMatchObject({ manifest: { day: yesterday } });
  });
});

// Last: it adds a user (and a ledger row) to the shared database.
describe("ORION_HOME", () => {
  it("locates the key file whatever the current directory, so users created anywhere can log in", () => {
    const home = join(dir, "home");
    const [a, b] = [join(dir, "cwd-a"), join(dir, "cwd-b")];
    mkdirSync(a);
    mkdirSync(b);
    const homeEnv = { ...env, ORION_HOME: home, ORION_KEYS_FILE: undefined };
    const created = orion(["users", "create", "--email", "elsewhere@example.com", "--role", "viewer"], undefined, {
      cwd: a,
      env: homeEnv,
    });
    expect(created.code, created.stderr).toBe(0);
    expect(existsSync(join(home, "keys.json"))).toBe(true);
    const fromA = orion(["keys", "show"], undefined, { cwd: a, env: homeEnv });
    const fromB = orion(["keys", "show"], undefined, { cwd: b, env: homeEnv });
    expect(fromA.code, fromA.stderr).toBe(0);
    expect(fromB.stdout).toBe(fromA.stdout);
  });
});
