import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { createMigratedTestDatabase, type TestDatabase } from "../../test/support/postgres.ts";
import { AuditLedger, verifyChain } from "./ledger.ts";
import { SubjectKeyVault } from "./subject-keys.ts";
import { canonicalJson, encodeRow } from "./canonical.ts";
import fc from "fast-check";

let db: TestDatabase;
let pool: pg.Pool;
let ledger: AuditLedger;
let vault: SubjectKeyVault;

beforeAll(async () => {
  db = await createMigratedTestDatabase("orion_audit");
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  vault = new SubjectKeyVault(pool, randomBytes(32));
  ledger = new AuditLedger(pool, vault);
});

afterAll(async () => {
  await pool.end();
  await db.drop();
});

describe("canonicalJson", () => {
  it("sorts keys at every depth and refuses non-integers", () => {
    expect(canonicalJson({ b: 1, a: { d: [true, null], c: "x" } })).toBe('{"a":{"c":"x","d":[true,null]},"b":1}');
    expect(() => canonicalJson({ a: 1.5 })).toThrow(/safe integers/);
  });
});

describe("encodeRow", () => {
  it("is canonicalJson of the row's fields, for any contents", () => {
    fc.assert(
      fc.property(
        fc.record({
          seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
          at: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          actor: fc.string(),
          action: fc.string(),
          outcome: fc.constantFrom("success", "denied", "failure"),
          subject: fc.option(fc.string(), { nil: null }),
          detail: fc.string(),
          pii: fc.option(
            fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
            { nil: null },
          ),
          prevHash: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((a) => Buffer.from(a)),
        }),
        (row) => {
          const expected = canonicalJson({
            ...row,
            pii: row.pii === null ? null : row.pii.toString("base64"),
            prevHash: row.prevHash.toString("hex"),
          });
          expect(encodeRow(row)).toBe(expected);
        },
      ),
    );
  });
});

describe("AuditLedger", () => {
  it("keeps one gap-free chain under concurrent writers in separate pools", async () => {
    const otherPool = new pg.Pool({ connectionString: db.url, max: 4 });
    const other = new AuditLedger(otherPool, vault);
    try {
      const writes = [];
      for (let i = 0; i < 200; i++) {
        const l = i % 2 === 0 ? ledger : other;
        writes.push(l.append({ actor: `u${i % 7}`, action: "test.write", outcome: "success", detail: { i } }));
      }
      const results = await Promise.all(writes);
      expect(new Set(results.map((r) => r.seq)).size).toBe(200);
      const verdict = await verifyChain(pool, 37);
      expect(verdict).toMatchObject({ ok: true, rows: 200 });
    } finally {
      await otherPool.end();
    }
  });

  it("filters by actor and action with keyset pagination", async () => {
    const page1 = await ledger.list({ actor: "u3", action: "test.write", limit: 10 });
    expect(page1).toHaveLength(10);
    expect(page1.every((r) => r.actor === "u3")).toBe(true);
    const page2 = await ledger.list({ actor: "u3", action: "test.write", after: page1.at(-1)?.seq, limit: 100 });
    expect(page1.length + page2.length).toBe(Math.ceil((200 - 3) / 7));
    expect(page2[0]?.seq).toBeGreaterThan(page1.at(-1)?.seq ?? Infinity);
  });

  it("refuses UPDATE, DELETE and TRUNCATE even for the table owner", async () => {
    await expect(pool.query("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1")).rejects.toThrow(/append-only/);
    await expect(pool.query("DELETE FROM audit_log WHERE seq = 1")).rejects.toThrow(/append-only/);
    await expect(pool.query("TRUNCATE audit_log")).rejects.toThrow(/append-only/);
    const { rows } = await pool.query("SELECT count(*)::int AS n FROM audit_log");
    expect(rows[0].n).toBe(200);
  });

  it("shreds a subject's personal data while the chain stays intact", async () => {
    const subject = "0b7c6c58-9a8e-4b36-9d8e-d6f9f3b9a001";
    await ledger.append({ actor: subject, action: "auth.login", outcome: "success", subject, pii: { ip: "10.1.2.3" } });
    const [before] = await ledger.list({ subject, limit: 10 });
    expect(before?.pii).toEqual({ ip: "10.1.2.3" });
    const raw = await pool.query<{ pii: Buffer }>("SELECT pii FROM audit_log WHERE subject = $1", [subject]);
    expect(raw.rows[0]?.pii.toString("latin1")).not.toContain("10.1.2.3");

    expect(await vault.destroy(subject, new Date())).toBe(true);
    const [after] = await ledger.list({ subject, limit: 10 });
    expect(after?.pii).toBeNull();
    expect(await vault.encrypt(subject, "new data")).toBeNull();
    expect(await verifyChain(pool)).toMatchObject({ ok: true, rows: 201 });
  });

  it("names the first tampered row (tampering as superuser with the trigger disabled)", async () => {
    const client = await pool.connect();
    try {
      await client.query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete");
      await client.query("UPDATE audit_log SET detail = '{\"i\":999}' WHERE seq = 57");
      await client.query("UPDATE audit_log SET actor = 'mallory' WHERE seq = 120");
      await client.query("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete");
    } finally {
      client.release();
    }
    const verdict = await verifyChain(pool, 10);
    expect(verdict).toEqual({
      ok: false,
      rows: 56,
      firstBroken: { seq: 57, reason: "row contents do not match its hash" },
    });
  });

  it("notices a deleted row in the middle of the chain", async () => {
    const client = await pool.connect();
    try {
      await client.query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete");
      await client.query("DELETE FROM audit_log WHERE seq = 10");
      await client.query("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete");
    } finally {
      client.release();
    }
    expect(await verifyChain(pool)).toMatchObject({ ok: false, firstBroken: { seq: 10, reason: "row missing" } });
  });
});

describe("daily export", () => {
  it("writes a closed day's rows as stored, with a manifest anchored to the chain", async () => {
    const { exportDay, isClosedDay } = await import("./export.ts");
    const day = new Date().toISOString().slice(0, 10);
    expect(isClosedDay(day, new Date())).toBe(false);
    expect(isClosedDay("2020-01-01", new Date())).toBe(true);
    expect(isClosedDay("2020-13-45", new Date())).toBe(false);
    const lines: string[] = [];
    const manifest = await exportDay(pool, day, async (l) => void lines.push(l));
    const { rows } = await pool.query("SELECT count(*)::int AS n, max(seq)::int AS last FROM audit_log");
    expect(manifest.rows).toBe(rows[0].n);
    expect(manifest.lastSeq).toBe(rows[0].last);
    expect(lines).toHaveLength(manifest.rows + 1);
    expect(JSON.parse(lines.at(-1) as string)).toEqual({ manifest });
    expect(await exportDay(pool, "2020-01-01", async () => undefined)).toMatchObject({ rows: 0, lastHash: null });
  });
});
