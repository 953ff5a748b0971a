import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { randomUUID } from "node:crypto";
import { deleteKeysWithPrefix, TEST_REDIS_URL, testKeyPrefix } from "../../test/support/redis.ts";
import { SessionStore } from "./sessions.ts";
import { LoginLockout, MAX_FAILED_LOGINS } from "./lockout.ts";
import { generateTotpSecret, totpCode, verifyTotp } from "./totp.ts";

const prefix = testKeyPrefix();
let redis: Redis;
let sessions: SessionStore;

beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL);
  sessions = new SessionStore(redis, prefix);
});
afterAll(async () => {
  redis.disconnect();
  await deleteKeysWithPrefix(prefix);
});

describe("refresh-token families", () => {
  it("rotate on every use; a replayed old token revokes the whole family", async () => {
    const userId = randomUUID();
    const { session, refreshToken: t1 } = await sessions.create(userId, "trader", null);
    const r2 = await sessions.rotate(t1);
    expect(r2.kind).toBe("ok");
    const t2 = (r2 as { refreshToken: string }).refreshToken;
    const r3 = await sessions.rotate(t2);
    expect(r3.kind).toBe("ok");
    expect(await sessions.rotate(t1)).toEqual({ kind: "reuse", sessionId: session.sessionId, userId });
    expect(await sessions.isActive(session.sessionId)).toBe(false);
    // The newest token of the family is dead too.
    expect((await sessions.rotate((r3 as { refreshToken: string }).refreshToken)).kind).toBe("revoked");
  });

  it("two concurrent uses of one token: exactly one rotates, the other is treated as reuse", async () => {
    const { refreshToken } = await sessions.create(randomUUID(), "viewer", null);
    const results = await Promise.all([sessions.rotate(refreshToken), sessions.rotate(refreshToken)]);
    expect(results.map((r) => r.kind).sort()).toEqual(["ok", "reuse"]);
  });

  it("logout revokes; unknown tokens are unknown; revokeAll ends every session", async () => {
    const a = await sessions.create(randomUUID(), "admin", 1);
    await sessions.revoke(a.session.sessionId);
    expect((await sessions.rotate(a.refreshToken)).kind).toBe("revoked");
    expect((await sessions.rotate("no-such-token")).kind).toBe("unknown");
    const b = await sessions.create(randomUUID(), "operator", 1);
    const c = await sessions.create(randomUUID(), "viewer", null);
    expect(await sessions.revokeAll()).toBeGreaterThanOrEqual(2);
    expect(await sessions.isActive(b.session.sessionId)).toBe(false);
    expect(await sessions.isActive(c.session.sessionId)).toBe(false);
  });
});

describe("TOTP", () => {
  it("accepts the current code once; the same code within its window is a replay", async () => {
    const secret = generateTotpSecret();
    const at = new Date();
    const userId = randomUUID();
    const code = totpCode(secret, at);
    expect(await verifyTotp(redis, prefix, userId, secret, code, at)).toBe("ok");
    expect(await verifyTotp(redis, prefix, userId, secret, code, new Date(at.getTime() + 20_000))).toBe("replayed");
    expect(await verifyTotp(redis, prefix, userId, secret, "000000", at)).not.toBe("ok");
    expect(await verifyTotp(redis, prefix, userId, secret, "12345", at)).toBe("invalid");
    expect(await verifyTotp(redis, prefix, userId, secret, code, new Date(at.getTime() + 120_000))).toBe("invalid");
  });
});

describe("lockout", () => {
  it(`admits ${MAX_FAILED_LOGINS} attempts, counted before they are checked, then refuses until cleared`, async () => {
    const lockout = new LoginLockout(redis, prefix);
    const slots = await Promise.all(Array.from({ length: 12 }, () => lockout.reserve("acct")));
    const admitted = slots.filter((s) => !s.locked);
    expect(admitted).toHaveLength(MAX_FAILED_LOGINS);
    expect(admitted.filter((s) => !s.locked && s.locksOnFailure)).toHaveLength(1);
    await lockout.clear("acct");
    expect(await lockout.reserve("acct")).toEqual({ locked: false, attempt: 1, locksOnFailure: false });
  });
});
