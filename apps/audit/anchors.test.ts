import { afterAll, describe, expect, it, vi } from "vitest";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { orionInProcess } from "../../test/support/orion-in-process.ts";
import { createMigratedTestDatabase, type TestDatabase } from "../../test/support/postgres.ts";
import { loadOrCreateKeyFile } from "../api/config.ts";
import { ApiHarness } from "../api/testing/harness.ts";
import { runAuditAnchor } from "../cli/commands/audit.ts";
import { loadKeyMaterial } from "../identity/index.ts";
import { anchorKey, signAnchor } from "./anchors.ts";
import { rowHash, type StoredRow } from "./canonical.ts";
import { AuditLedger, verifyChain } from "./ledger.ts";
import { SubjectKeyVault } from "./subject-keys.ts";

/**
 * Attack tests for "an audit log that detects what the database cannot stop" (issue 13, item 3): whoever can
 * disable the triggers (a superuser, the table's owner) removes the newest rows, or edits a row and re-hashes every
 * row after it. The chain alone stays consistent in both cases; only the anchors outside the database tell.
 */
const ORION = fileURLToPath(new URL("../../bin/orion.mjs", import.meta.url));

interface Ledger {
  db: TestDatabase;
  pool: pg.Pool;
  home: string;
  env: NodeJS.ProcessEnv;
  ledger: AuditLedger;
}
const opened: Ledger[] = [];

async function openLedger(rows: number): Promise<Ledger> {
  const db = await createMigratedTestDatabase("orion_anchor");
  const pool = new pg.Pool({ connectionString: db.url, max: 3 });
  const home = mkdtempSync(join(tmpdir(), "orion-anchor-"));
  const env = {
    ...process.env,
    DATABASE_URL: db.url,
    ORION_HOME: home,
    ORION_KEYS: undefined,
    ORION_KEYS_FILE: undefined,
  };
  const keys = await loadKeyMaterial(await loadOrCreateKeyFile(env));
  const ledger = new AuditLedger(pool, new SubjectKeyVault(pool, keys.kek));
  const l = { db, pool, home, env, ledger };
  opened.push(l);
  await append(l, rows);
  return l;
}

async function append(l: Ledger, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await l.ledger.append({ actor: "ops", action: "risk.limits.changed", outcome: "success", detail: { i } });
  }
}

/** What a superuser (or the table's owner) can do: switch the triggers off, change the table, switch them back. */
async function asOwner(l: Ledger, change: (c: pg.PoolClient) => Promise<void>): Promise<void> {
  const c = await l.pool.connect();
  try {
    await c.query("ALTER TABLE audit_log DISABLE TRIGGER USER");
    await change(c);
    await c.query("ALTER TABLE audit_log ENABLE TRIGGER USER");
  } finally {
    c.release();
  }
}

/** `orion audit verify` in this process: the exit code and the line are what these cases check. */
function verify(l: Ledger) {
  return orionInProcess(["audit", "verify"], l.env);
}

/** The real binary, kept for one finding: the exit code and the line as a user's shell gets them. */
function verifyBinary(l: Ledger) {
  const r = spawnSync(process.execPath, [ORION, "audit", "verify"], { env: l.env, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

afterAll(async () => {
  for (const l of opened) {
    await l.pool.end();
    await l.db.drop();
    rmSync(l.home, { recursive: true, force: true });
  }
});

describe("anchors", () => {
  it("tail truncation: rows removed after the anchor are named as missing, exit 1", async () => {
    const l = await openLedger(10);
    await runAuditAnchor(l.env);
    expect(readdirSync(join(l.home, "anchors"))).toHaveLength(1);
    expect((await verify(l)).code).toBe(0);
    await asOwner(l, async (c) => {
      await c.query("DELETE FROM audit_log WHERE seq > 7");
    });
    // The chain alone cannot tell: what is left is consistent.
    expect((await verifyChain(l.pool)).ok).toBe(true);
    const r = verifyBinary(l);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/broken at row 8: row missing: the anchor of .* covers 10 rows, the chain ends at row 7/);
  });

  it("a rewritten, re-hashed suffix differs from its anchor, exit 1 naming the row and the last good anchor", async () => {
    const l = await openLedger(10);
    await runAuditAnchor(l.env);
    await append(l, 5);
    await runAuditAnchor(l.env);
    await asOwner(l, async (c) => {
      const { rows } = await c.query<StoredRow>("SELECT * FROM audit_log WHERE seq >= 12 ORDER BY seq");
      const prev = await c.query<{ hash: Buffer }>("SELECT hash FROM audit_log WHERE seq = 11");
      let prevHash = prev.rows[0]?.hash as Buffer;
      for (const r of rows) {
        const detail = Number(r.seq) === 12 ? '{"i":"rewritten"}' : r.detail;
        const fields = { ...r, seq: Number(r.seq), at: r.at.toISOString(), detail, prevHash };
        const hash = rowHash(fields);
        await c.query("UPDATE audit_log SET detail = $2, prev_hash = $3, hash = $4 WHERE seq = $1", [
          r.seq,
          detail,
          prevHash,
          hash,
        ]);
        prevHash = hash;
      }
    });
    expect((await verifyChain(l.pool)).ok).toBe(true);
    const r = await verify(l);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/broken at row 15: row differs from its anchor .*rewritten after row 10/);
  });

  it("an anchor not signed by this deployment's key is itself a finding", async () => {
    const l = await openLedger(3);
    const forged = signAnchor(anchorKey(randomBytes(32)), { seq: 3, hash: "0".repeat(64) }, new Date());
    const dir = join(l.home, "anchors");
    rmSync(dir, { recursive: true, force: true });
    await runAuditAnchor(l.env);
    const [name] = readdirSync(dir);
    writeFileSync(join(dir, name as string), JSON.stringify(forged));
    const r = await verify(l);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/audit anchor rejected: .*signed by key/);
  });

  it("the API anchors the head on a timer while rows are appended", async () => {
    const dir = mkdtempSync(join(tmpdir(), "orion-api-anchors-"));
    const h = await ApiHarness.start({ anchors: { dir, intervalMs: 50 } });
    try {
      for (let i = 0; i < 3; i++) await h.request("GET", "/mode/status");
      const { rows } = await h.pool.query<{ seq: string }>("SELECT max(seq) AS seq FROM audit_log");
      const head = Number(rows[0]?.seq);
      expect(head).toBeGreaterThanOrEqual(3);
      await vi.waitFor(
        () => {
          const names = readdirSync(dir).sort();
          expect(names.at(-1)).toMatch(new RegExp(`^anchor-${String(head).padStart(20, "0")}-`));
        },
        { timeout: 20_000, interval: 100 },
      );
    } finally {
      await h.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
