import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anchorChain, AnchorDirectory, anchorKey } from "../audit/index.ts";
import { ApiHarness, expectProblem, type TestUser } from "./testing/harness.ts";

let h: ApiHarness;
let dir: string;
let auditor: TestUser;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "orion-anchors-"));
  // No periodic anchoring: the test anchors when it means to.
  h = await ApiHarness.start({ anchors: { dir, intervalMs: 3_600_000 } });
  auditor = await h.createUser("auditor");
});
afterAll(async () => {
  await h.close();
  await rm(dir, { recursive: true, force: true });
});

interface Verification {
  ok: boolean;
  rows: number;
  head?: string;
  anchor: { seq: number } | null;
  firstBroken?: { seq: number; reason: string };
  anchorRejected: string | null;
}

async function verify(token: string): Promise<Verification> {
  const res = await h.request("GET", "/compliance/audit/verify", { token });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Verification;
}

async function tamper(sql: string): Promise<void> {
  const c = await h.pool.connect();
  try {
    await c.query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete");
    await c.query(sql);
  } finally {
    await c.query("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete");
    c.release();
  }
}

describe("GET /compliance/audit/verify (the check orion audit verify runs)", () => {
  it("reports an intact chain against the newest anchor, then the first tampered row", async () => {
    const { accessToken } = await h.login(auditor);
    const first = await verify(accessToken);
    expect(first).toMatchObject({ ok: true, anchor: null, anchorRejected: null });
    expect(first.rows).toBeGreaterThan(0);

    await anchorChain(h.pool, anchorKey(h.keys.kek), new AnchorDirectory(dir), h.now());
    const anchored = await verify(accessToken);
    expect(anchored.ok).toBe(true);
    expect(anchored.anchor?.seq).toBeGreaterThanOrEqual(first.rows);

    await tamper("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2");
    const broken = await verify(accessToken);
    expect(broken).toMatchObject({ ok: false, rows: 1, firstBroken: { seq: 2 } });
    // The finding is itself on the ledger.
    const rows = await h.ledger().list({ action: "compliance.audit.verify", limit: 10 });
    expect(rows.at(-1)?.detail).toMatchObject({ ok: false, finding: expect.stringMatching(/^row 2: /) });
  });

  it("refuses roles without audit.read", async () => {
    const viewer = await h.createUser("viewer");
    const { accessToken } = await h.login(viewer);
    expectProblem(await h.request("GET", "/compliance/audit/verify", { token: accessToken }), 403);
  });
});
