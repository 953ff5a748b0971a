import { createHash, createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiHarness, expectProblem, type TestUser } from "./testing/harness.ts";

/**
 * Issue #13 item 7, the attack: after a subject's erasure, someone holding a copy of the database and of the key
 * file (an insider, a backup thief with the secrets) takes the erased address and computes everything the platform
 * could have derived from it. No row of any table, written before or after the erasure, may contain any of it.
 */
let h: ApiHarness;
let officer: Awaited<ReturnType<ApiHarness["login"]>>;

beforeAll(async () => {
  h = await ApiHarness.start();
  officer = await h.login(await h.createUser("compliance"));
});
afterAll(async () => h.close());

/** Every encoding of every value the platform derives from an address, as an attacker would search for them. */
function derivations(email: string): string[] {
  const index = createHmac("sha256", h.keys.pepper).update(email.toLowerCase()).digest();
  const plain = createHash("sha256").update(email.toLowerCase()).digest();
  return [
    email.toLowerCase(),
    email.split("@")[0] as string,
    index.toString("hex"),
    // The old rows kept the first 16 hex characters; any 8-character window would already narrow the search.
    index.toString("hex").slice(0, 8),
    index.toString("base64"),
    index.toString("base64url").slice(0, 11),
    plain.toString("hex").slice(0, 8),
  ].map((s) => s.toLowerCase());
}

/** Every row of every table of the database, as text (bytea columns appear as hex). */
async function everyRowAsText(): Promise<string[]> {
  const { rows: tables } = await h.pool.query<{ name: string }>(
    "SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public'",
  );
  const texts: string[] = [];
  for (const { name } of tables) {
    const { rows } = await h.pool.query<{ t: string }>(`SELECT lower(t::text) AS t FROM ${name} t`);
    texts.push(...rows.map((r) => r.t));
  }
  return texts;
}

async function tryLogin(email: string, password = "not the password at all") {
  return h.request("POST", "/auth/login", { body: { email, password } });
}

describe("erasure leaves no link to the address", () => {
  it("no row, old or new, matches anything an attacker with the database and the keys derives from the address", async () => {
    const email = `victim-${Math.random().toString(36).slice(2, 10)}@example.com`;
    // Before the account exists: guesses on an unknown address (6 of them: the address locks).
    for (let i = 0; i < 6; i++) expect([401, 423]).toContain((await tryLogin(email)).statusCode);
    const victim: TestUser = await h.createUser("viewer", email);
    // As a known account: a failed login, a lock, a successful login.
    for (let i = 0; i < 6; i++) expect([401, 423]).toContain((await tryLogin(email)).statusCode);
    await h.redis.del(`${h.prefix}login-fail:user:${victim.id}`);
    await h.login(victim);

    const erased = await h.request("POST", "/gdpr/subject-rights", {
      token: officer.accessToken,
      body: { subject: email, right: "erasure" },
    });
    expect(erased.statusCode, erased.body).toBe(200);
    // Redis neither: the unknown address's lockout counter (still inside its window) went with the erasure.
    const index = createHmac("sha256", h.keys.pepper).update(email).digest("hex");
    expect((await h.redis.keys(`${h.prefix}*`)).filter((k) => k.includes(index))).toEqual([]);
    // After the erasure: the address is unknown again, and guessed at again.
    for (let i = 0; i < 6; i++) {
      const res = await tryLogin(email);
      expect([401, 423]).toContain(res.statusCode);
      expectProblem(res, res.statusCode);
    }

    const rows = await everyRowAsText();
    expect(rows.length).toBeGreaterThan(10);
    for (const needle of derivations(email)) {
      const linked = rows.filter((r) => r.includes(needle));
      expect(linked, `rows containing ${needle}`).toEqual([]);
    }
    // Nothing sealed under the erased subject opens any more.
    expect((await h.ledger().list({ subject: victim.id, limit: 1000 })).every((r) => r.pii === null)).toBe(true);
  });
});
