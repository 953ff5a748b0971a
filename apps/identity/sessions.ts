import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { Role } from "./roles.ts";

export const REFRESH_TTL_SECONDS = 12 * 3600;

export interface Session {
  sessionId: string;
  userId: string;
  role: Role;
  mfaAt: number | null;
}

export type RotateResult =
  | { kind: "ok"; session: Session; refreshToken: string }
  | { kind: "unknown" }
  | { kind: "revoked"; sessionId: string }
  /** An already-rotated token came back: someone holds a copy. The whole family (session) is now revoked. */
  | { kind: "reuse"; sessionId: string; userId: string };

// Atomic rotation: read the token's generation, compare with the session's, and either advance the session and
// register the successor, or (stale generation) revoke the family. Old token keys stay until they expire so that
// any later reuse is still recognised.
const ROTATE = `
local v = redis.call('GET', KEYS[1])
if not v then return {'unknown'} end
local sid, gen = string.match(v, '^(.*):(%d+)$')
local sk = ARGV[1] .. 'sess:' .. sid
local cur = redis.call('HGET', sk, 'gen')
if not cur then return {'revoked', sid} end
local uid = redis.call('HGET', sk, 'userId')
if cur ~= gen then
  redis.call('DEL', sk)
  redis.call('SREM', ARGV[1] .. 'usess:' .. uid, sid)
  redis.call('SREM', ARGV[1] .. 'sessions', sid)
  return {'reuse', sid, uid}
end
local nextGen = tostring(tonumber(cur) + 1)
redis.call('HSET', sk, 'gen', nextGen)
local ttl = redis.call('TTL', sk)
if ttl < 1 then ttl = 1 end
redis.call('SET', ARGV[1] .. 'rt:' .. ARGV[2], sid .. ':' .. nextGen, 'EX', ttl)
return {'ok', sid, uid, redis.call('HGET', sk, 'role'), redis.call('HGET', sk, 'mfaAt')}
`;

function digest(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * Sessions and refresh-token families in Redis, shared by every API instance. Refresh tokens are opaque random
 * strings; only their SHA-256 is stored. A session's absolute lifetime is fixed at login: rotation never extends it.
 */
export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async create(userId: string, role: Role, mfaAt: number | null): Promise<{ session: Session; refreshToken: string }> {
    const sessionId = randomUUID();
    const refreshToken = randomBytes(32).toString("base64url");
    const p = this.prefix;
    await this.redis
      .multi()
      .hset(`${p}sess:${sessionId}`, { userId, role, mfaAt: mfaAt === null ? "" : String(mfaAt), gen: "1" })
      .expire(`${p}sess:${sessionId}`, REFRESH_TTL_SECONDS)
      .set(`${p}rt:${digest(refreshToken)}`, `${sessionId}:1`, "EX", REFRESH_TTL_SECONDS)
      .sadd(`${p}usess:${userId}`, sessionId)
      .sadd(`${p}sessions`, sessionId)
      .exec();
    return { session: { sessionId, userId, role, mfaAt }, refreshToken };
  }

  async rotate(refreshToken: string): Promise<RotateResult> {
    const next = randomBytes(32).toString("base64url");
    const r = (await this.redis.eval(
      ROTATE,
      1,
      `${this.prefix}rt:${digest(refreshToken)}`,
      this.prefix,
      digest(next),
    )) as string[] | null;
    switch (r?.[0]) {
      case "ok":
        return {
          kind: "ok",
          refreshToken: next,
          session: {
            sessionId: r[1] as string,
            userId: r[2] as string,
            role: r[3] as Role,
            mfaAt: r[4] ? Number(r[4]) : null,
          },
        };
      case "revoked":
        return { kind: "revoked", sessionId: r[1] as string };
      case "reuse":
        return { kind: "reuse", sessionId: r[1] as string, userId: r[2] as string };
      default:
        return { kind: "unknown" };
    }
  }

  async isActive(sessionId: string): Promise<boolean> {
    return (await this.redis.exists(`${this.prefix}sess:${sessionId}`)) === 1;
  }

  async get(sessionId: string): Promise<Session | null> {
    const h = await this.redis.hgetall(`${this.prefix}sess:${sessionId}`);
    if (!h.userId) return null;
    return { sessionId, userId: h.userId, role: h.role as Role, mfaAt: h.mfaAt ? Number(h.mfaAt) : null };
  }

  /** Records a fresh second-factor proof on the session (step-up), so later access tokens carry it. */
  async markMfa(sessionId: string, at: number): Promise<void> {
    await this.redis.hset(`${this.prefix}sess:${sessionId}`, "mfaAt", String(at));
  }

  async revoke(sessionId: string): Promise<void> {
    const userId = await this.redis.hget(`${this.prefix}sess:${sessionId}`, "userId");
    const m = this.redis.multi().del(`${this.prefix}sess:${sessionId}`).srem(`${this.prefix}sessions`, sessionId);
    if (userId) m.srem(`${this.prefix}usess:${userId}`, sessionId);
    await m.exec();
  }

  async revokeAllForUser(userId: string): Promise<number> {
    const sids = await this.redis.smembers(`${this.prefix}usess:${userId}`);
    for (const sid of sids) await this.revoke(sid);
    await this.redis.del(`${this.prefix}usess:${userId}`);
    return sids.length;
  }

  /** Ends every session of the user but one (after a new second factor: whoever held the old one is logged out). */
  async revokeOthers(userId: string, keepSessionId: string): Promise<string[]> {
    const sids = (await this.redis.smembers(`${this.prefix}usess:${userId}`)).filter((s) => s !== keepSessionId);
    for (const sid of sids) await this.revoke(sid);
    return sids;
  }

  /** Emergency shutdown: every session everywhere ends; access tokens die at their next request. */
  async revokeAll(): Promise<number> {
    const sids = await this.redis.smembers(`${this.prefix}sessions`);
    for (const sid of sids) await this.revoke(sid);
    return sids.length;
  }
}
