import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import pg from "pg";
import { randomUUID } from "node:crypto";
import { createMigratedTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";
import { deleteKeysWithPrefix, TEST_REDIS_URL, testKeyPrefix } from "../../../test/support/redis.ts";
import { LoginLockout, MAX_FAILED_LOGINS } from "../lockout.ts";
import { generateTotpSecret, totpCode, verifyTotp } from "../totp.ts";
import type { SessionState } from "./ports.ts";
import { postgresSessionState, sweepExpired } from "./postgres.ts";
import { redisSessionState } from "./redis.ts";

/**
 * One contract, two backends, each on its real server: Redis (own key prefix) and PostgreSQL (own database,
 * migrated). `expire` ages a session past its lifetime the way time would, in the backend's own terms.
 */
interface Backend {
  state: SessionState;
  expire(sessionId: string): Promise<void>;
}

const prefix = testKeyPrefix();
let redis: Redis;
let db: TestDatabase;
let pool: pg.Pool;
const backends: Record<"redis" | "postgres", Backend> = {} as Record<"redis" | "postgres", Backend>;

beforeAll(async () => {
  redis = new Redis(TEST_REDIS_URL);
  backends.redis = {
    state: redisSessionState(redis, prefix),
    expire: async (sid) => void (await redis.pexpire(`${prefix}sess:${sid}`, 1)),
  };
  db = await createMigratedTestDatabase("orion_state");
  pool = new pg.Pool({ connectionString: db.url, max: 6 });
  backends.postgres = {
    state: postgresSessionState(pool),
    expire: async (sid) =>
      void (await pool.query("UPDATE api_sessions SET expires_at = now() - interval '1 second' WHERE id = $1", [sid])),
  };
});
afterAll(async () => {
  for (const b of Object.values(backends)) await b.state.close();
  redis.disconnect();
  await pool.end();
  await db.drop();
  await deleteKeysWithPrefix(prefix);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(["redis", "postgres"] as const)("session state in %s", (name) => {
  const b = () => backends[name];
  const sessions = () => b().state.sessions;

  describe("refresh-token families", () => {
    it("rotate on every use; a replayed old token revokes the whole family", async () => {
      const userId = randomUUID();
      const { session, refreshToken: t1 } = await sessions().create(userId, "trader", null);
      const r2 = await sessions().rotate(t1);
      expect(r2).toMatchObject({ kind: "ok", session: { sessionId: session.sessionId, userId, role: "trader" } });
      const t2 = (r2 as { refreshToken: string }).refreshToken;
      expect(t2).not.toBe(t1);
      const r3 = await sessions().rotate(t2);
      expect(r3.kind).toBe("ok");
      expect(await sessions().rotate(t1)).toEqual({ kind: "reuse", sessionId: session.sessionId, userId });
      expect(await sessions().isActive(session.sessionId)).toBe(false);
      // The newest token of the family is dead too.
      expect(await sessions().rotate((r3 as { refreshToken: string }).refreshToken)).toEqual({
        kind: "revoked",
        sessionId: session.sessionId,
      });
    });

    it("two concurrent uses of one token: exactly one rotates, the other is treated as reuse", async () => {
      const { refreshToken } = await sessions().create(randomUUID(), "viewer", null);
      const results = await Promise.all([sessions().rotate(refreshToken), sessions().rotate(refreshToken)]);
      expect(results.map((r) => r.kind).sort()).toEqual(["ok", "reuse"]);
    });

    it("logout revokes; unknown tokens are unknown; revokeAll ends every session", async () => {
      const a = await sessions().create(randomUUID(), "admin", 1);
      await sessions().revoke(a.session.sessionId);
      expect((await sessions().rotate(a.refreshToken)).kind).toBe("revoked");
      expect((await sessions().rotate("no-such-token")).kind).toBe("unknown");
      const c = await sessions().create(randomUUID(), "operator", 1);
      const d = await sessions().create(randomUUID(), "viewer", null);
      expect(await sessions().revokeAll()).toBeGreaterThanOrEqual(2);
      expect(await sessions().isActive(c.session.sessionId)).toBe(false);
      expect(await sessions().isActive(d.session.sessionId)).toBe(false);
    });

    it("a session past its lifetime is over: inactive, unreadable, and its token no longer rotates", async () => {
      const s = await sessions().create(randomUUID(), "viewer", null);
      expect(await sessions().isActive(s.session.sessionId)).toBe(true);
      await b().expire(s.session.sessionId);
      await sleep(5);
      expect(await sessions().isActive(s.session.sessionId)).toBe(false);
      expect(await sessions().get(s.session.sessionId)).toBeNull();
      expect((await sessions().rotate(s.refreshToken)).kind).not.toBe("ok");
    });
  });

  describe("per user", () => {
    it("reads a session with its step-up, counts, ends the others, then all of them", async () => {
      const userId = randomUUID();
      const a = await sessions().create(userId, "admin", null);
      const c = await sessions().create(userId, "admin", 1_700_000_000);
      const other = await sessions().create(randomUUID(), "viewer", null);
      await sessions().markMfa(a.session.sessionId, 1_800_000_000);
      expect(await sessions().get(a.session.sessionId)).toEqual({ ...a.session, mfaAt: 1_800_000_000 });
      expect(await sessions().get(c.session.sessionId)).toEqual(c.session);
      expect(await sessions().countForUser(userId)).toBe(2);
      expect(await sessions().revokeOthers(userId, a.session.sessionId)).toEqual([c.session.sessionId]);
      expect(await sessions().isActive(a.session.sessionId)).toBe(true);
      expect(await sessions().countForUser(userId)).toBe(1);
      expect(await sessions().revokeAllForUser(userId)).toBe(1);
      expect(await sessions().isActive(a.session.sessionId)).toBe(false);
      expect(await sessions().isActive(other.session.sessionId)).toBe(true);
    });
  });

  describe("TOTP", () => {
    it("accepts the current code once; the same code within its window is a replay", async () => {
      const counters = b().state.counters;
      const secret = generateTotpSecret();
      const at = new Date();
      const userId = randomUUID();
      const code = totpCode(secret, at);
      expect(await verifyTotp(counters, userId, secret, code, at)).toBe("ok");
      expect(await verifyTotp(counters, userId, secret, code, new Date(at.getTime() + 20_000))).toBe("replayed");
      expect(await verifyTotp(counters, userId, secret, "000000", at)).not.toBe("ok");
      expect(await verifyTotp(counters, userId, secret, "12345", at)).toBe("invalid");
      expect(await verifyTotp(counters, userId, secret, code, new Date(at.getTime() + 120_000))).toBe("invalid");
      // Another user's same code is theirs to spend.
      expect(await verifyTotp(counters, randomUUID(), secret, code, at)).toBe("ok");
    });
  });

  describe("counters", () => {
    it(`lockout: admits ${MAX_FAILED_LOGINS} attempts, counted before they are checked, then refuses until cleared`, async () => {
      const lockout = new LoginLockout(b().state.counters);
      const slots = await Promise.all(Array.from({ length: 12 }, () => lockout.reserve("acct")));
      const admitted = slots.filter((s) => !s.locked);
      expect(admitted).toHaveLength(MAX_FAILED_LOGINS);
      expect(admitted.filter((s) => !s.locked && s.locksOnFailure)).toHaveLength(1);
      await lockout.clear("acct");
      expect(await lockout.reserve("acct")).toEqual({ locked: false, attempt: 1, locksOnFailure: false });
    });

    it("a window starts at the first count and a new one after it ends", async () => {
      const counters = b().state.counters;
      const key = `window:${randomUUID()}`;
      expect(await counters.reserve(key, 2, 1)).toBe(1);
      expect(await counters.reserve(key, 2, 1)).toBe(2);
      expect(await counters.reserve(key, 2, 1)).toBeNull();
      await sleep(1_100);
      expect(await counters.reserve(key, 2, 1)).toBe(1);
    });

    it("adds batches and returns every key's shared total; n = 0 reads", async () => {
      const counters = b().state.counters;
      const [x, y] = [`add:${randomUUID()}`, `add:${randomUUID()}`];
      expect(
        await counters.add(
          [
            { key: y, n: 3 },
            { key: x, n: 2 },
          ],
          60,
        ),
      ).toEqual([3, 2]);
      expect(await counters.add([{ key: x, n: 5 }], 60)).toEqual([7]);
      expect(
        await counters.add(
          [
            { key: x, n: 0 },
            { key: y, n: 0 },
          ],
          60,
        ),
      ).toEqual([7, 3]);
      expect(await counters.add([], 60)).toEqual([]);
    });
  });

  describe("revocation feed", () => {
    it("delivers a revocation to every listener, its own publisher's too, and stops on unsubscribe", async () => {
      const feed = b().state.revocations;
      const seen: [string[], string[]] = [[], []];
      const stopA = await feed.subscribe((t) => seen[0].push(t));
      const stopB = await feed.subscribe((t) => seen[1].push(t));
      const target = `session:${randomUUID()}` as const;
      await feed.publish(target);
      await expect.poll(() => seen.map((s) => s.includes(target))).toEqual([true, true]);
      await stopA();
      await feed.publish("*");
      await expect.poll(() => seen[1].includes("*")).toBe(true);
      expect(seen[0]).not.toContain("*");
      await stopB();
    });
  });

  describe("health", () => {
    it(`answers a ping and names its backend`, async () => {
      await expect(b().state.ping()).resolves.toBeUndefined();
      expect(b().state.backend).toBe(name);
    });
  });
});

describe("PostgreSQL expiry sweep", () => {
  it("deletes expired sessions, tokens and counters, and keeps live ones", async () => {
    const { state } = backends.postgres;
    const dead = await state.sessions.create(randomUUID(), "viewer", null);
    const live = await state.sessions.create(randomUUID(), "viewer", null);
    await backends.postgres.expire(dead.session.sessionId);
    await pool.query("UPDATE api_refresh_tokens SET expires_at = now() - interval '1 second' WHERE session_id = $1", [
      dead.session.sessionId,
    ]);
    await state.counters.reserve("sweep:dead", 5, 60);
    await state.counters.reserve("sweep:live", 5, 60);
    await pool.query("UPDATE api_counters SET expires_at = now() - interval '1 second' WHERE key = 'sweep:dead'");
    await sweepExpired(pool);
    const ids = async (sql: string) => (await pool.query<{ id: string }>(sql)).rows.map((r) => r.id);
    expect(await ids("SELECT id::text AS id FROM api_sessions")).toContain(live.session.sessionId);
    expect(await ids("SELECT id::text AS id FROM api_sessions")).not.toContain(dead.session.sessionId);
    expect(await ids("SELECT session_id::text AS id FROM api_refresh_tokens")).not.toContain(dead.session.sessionId);
    expect(await ids("SELECT key AS id FROM api_counters WHERE key LIKE 'sweep:%'")).toEqual(["sweep:live"]);
  });
});
