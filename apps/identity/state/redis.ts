import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { Role } from "../roles.ts";
import {
  REFRESH_TTL_SECONDS,
  type Counters,
  type RevocationFeed,
  type RevocationTarget,
  type RotateResult,
  type Session,
  type SessionState,
  type SessionStore,
} from "./ports.ts";
import { newRefreshToken, refreshTokenDigest as digest } from "./refresh-tokens.ts";

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

/** Sessions as hashes that expire with the session, refresh tokens as keys, and sets of them per user and overall. */
export class RedisSessionStore implements SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async create(userId: string, role: Role, mfaAt: number | null): Promise<{ session: Session; refreshToken: string }> {
    const sessionId = randomUUID();
    const refreshToken = newRefreshToken();
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
    const next = newRefreshToken();
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

  async revokeOthers(userId: string, keepSessionId: string): Promise<string[]> {
    const sids = (await this.redis.smembers(`${this.prefix}usess:${userId}`)).filter((s) => s !== keepSessionId);
    for (const sid of sids) await this.revoke(sid);
    return sids;
  }

  async revokeAll(): Promise<number> {
    const sids = await this.redis.smembers(`${this.prefix}sessions`);
    for (const sid of sids) await this.revoke(sid);
    return sids.length;
  }

  async countForUser(userId: string): Promise<number> {
    return this.redis.scard(`${this.prefix}usess:${userId}`);
  }
}

// Check and count in one step: an attempt is counted before it is verified, so parallel attempts cannot all pass the
// check before any of them is recorded. The window starts at the first count.
const RESERVE = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then return -1 end
n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return n
`;

/** Counters as plain keys with a TTL. */
export class RedisCounters implements Counters {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async reserve(key: string, limit: number, windowSeconds: number): Promise<number | null> {
    const n = Number(await this.redis.eval(RESERVE, 1, `${this.prefix}${key}`, limit, windowSeconds));
    return n < 0 ? null : n;
  }

  async clear(key: string): Promise<void> {
    await this.redis.del(`${this.prefix}${key}`);
  }

  async add(entries: readonly { key: string; n: number }[], windowSeconds: number): Promise<(number | null)[]> {
    if (entries.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const { key, n } of entries)
      pipe.incrby(`${this.prefix}${key}`, n).expire(`${this.prefix}${key}`, windowSeconds);
    const results = await pipe.exec();
    return entries.map((_, i) => {
      const [err, total] = results?.[i * 2] ?? [new Error("no reply"), null];
      return err ? null : Number(total);
    });
  }
}

/** Revocations over Redis pub/sub: a dedicated subscriber connection per listener. */
export class RedisRevocationFeed implements RevocationFeed {
  private readonly channel: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.channel = `${prefix}sessions:revoked`;
  }

  async publish(target: RevocationTarget): Promise<void> {
    await this.redis.publish(this.channel, target);
  }

  async subscribe(onRevoked: (target: string) => void): Promise<() => Promise<void>> {
    const sub = this.redis.duplicate({ enableAutoPipelining: false });
    sub.on("error", () => undefined);
    sub.on("message", (_channel: string, message: string) => onRevoked(message));
    try {
      await sub.subscribe(this.channel);
    } catch (err) {
      sub.disconnect();
      throw err;
    }
    return async () => {
      // Messages already on the wire are dropped too: a stopped listener hears nothing more.
      sub.removeAllListeners("message");
      sub.disconnect();
    };
  }
}

/** The session state in Redis, every key under `prefix` (ORION_KEY_PREFIX; each test file has its own). */
export function redisSessionState(redis: Redis, prefix: string): SessionState {
  return {
    backend: "redis",
    sessions: new RedisSessionStore(redis, prefix),
    counters: new RedisCounters(redis, prefix),
    revocations: new RedisRevocationFeed(redis, prefix),
    async ping() {
      const pong = await redis.ping();
      if (pong !== "PONG") throw new Error(`Redis answered ${pong} to PING`);
    },
    async close() {},
  };
}
