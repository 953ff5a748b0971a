import { randomUUID } from "node:crypto";
import type pg from "pg";
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
import { newRefreshToken, refreshTokenDigest } from "./refresh-tokens.ts";

// Expiry is the database's clock (now()), as it is Redis's for its TTLs: every API instance agrees on it.

interface SessionRow {
  user_id: string;
  role: string;
  mfa_at: string | null;
  gen: number;
  expires_at: Date;
}

function toSession(sessionId: string, r: SessionRow): Session {
  return { sessionId, userId: r.user_id, role: r.role as Role, mfaAt: r.mfa_at === null ? null : Number(r.mfa_at) };
}

/** Sessions as rows (migration 105); a rotation is one transaction holding the session's row lock. */
export class PostgresSessionStore implements SessionStore {
  constructor(private readonly pool: pg.Pool) {}

  async create(userId: string, role: Role, mfaAt: number | null): Promise<{ session: Session; refreshToken: string }> {
    const sessionId = randomUUID();
    const refreshToken = newRefreshToken();
    await this.pool.query(
      `WITH s AS (
         INSERT INTO api_sessions (id, user_id, role, mfa_at, gen, expires_at)
         VALUES ($1, $2, $3, $4, 1, now() + make_interval(secs => $6))
         RETURNING id, expires_at)
       INSERT INTO api_refresh_tokens (digest, session_id, gen, expires_at) SELECT $5, id, 1, expires_at FROM s`,
      [sessionId, userId, role, mfaAt, refreshTokenDigest(refreshToken), REFRESH_TTL_SECONDS],
    );
    return { session: { sessionId, userId, role, mfaAt }, refreshToken };
  }

  async rotate(refreshToken: string): Promise<RotateResult> {
    const next = newRefreshToken();
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const token = await client.query<{ session_id: string; gen: number }>(
        "SELECT session_id, gen FROM api_refresh_tokens WHERE digest = $1 AND expires_at > now()",
        [refreshTokenDigest(refreshToken)],
      );
      const t = token.rows[0];
      let result: RotateResult;
      if (!t) {
        result = { kind: "unknown" };
      } else {
        // The row lock orders concurrent rotations of one session: the second sees the first's generation.
        const { rows } = await client.query<SessionRow>(
          "SELECT user_id, role, mfa_at, gen, expires_at FROM api_sessions WHERE id = $1 AND expires_at > now() FOR UPDATE",
          [t.session_id],
        );
        const s = rows[0];
        if (!s) {
          result = { kind: "revoked", sessionId: t.session_id };
        } else if (s.gen !== t.gen) {
          await client.query("DELETE FROM api_sessions WHERE id = $1", [t.session_id]);
          result = { kind: "reuse", sessionId: t.session_id, userId: s.user_id };
        } else {
          await client.query("UPDATE api_sessions SET gen = gen + 1 WHERE id = $1", [t.session_id]);
          await client.query(
            "INSERT INTO api_refresh_tokens (digest, session_id, gen, expires_at) VALUES ($1, $2, $3, $4)",
            [refreshTokenDigest(next), t.session_id, s.gen + 1, s.expires_at],
          );
          result = { kind: "ok", refreshToken: next, session: toSession(t.session_id, s) };
        }
      }
      await client.query("COMMIT");
      return result;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async isActive(sessionId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query("SELECT 1 FROM api_sessions WHERE id = $1 AND expires_at > now()", [
      sessionId,
    ]);
    return rowCount === 1;
  }

  async get(sessionId: string): Promise<Session | null> {
    const { rows } = await this.pool.query<SessionRow>(
      "SELECT user_id, role, mfa_at, gen, expires_at FROM api_sessions WHERE id = $1 AND expires_at > now()",
      [sessionId],
    );
    return rows[0] ? toSession(sessionId, rows[0]) : null;
  }

  async markMfa(sessionId: string, at: number): Promise<void> {
    await this.pool.query("UPDATE api_sessions SET mfa_at = $2 WHERE id = $1", [sessionId, at]);
  }

  async revoke(sessionId: string): Promise<void> {
    await this.pool.query("DELETE FROM api_sessions WHERE id = $1", [sessionId]);
  }

  async revokeAllForUser(userId: string): Promise<number> {
    return (await this.deleteLive("user_id = $1", [userId])).length;
  }

  async revokeOthers(userId: string, keepSessionId: string): Promise<string[]> {
    return this.deleteLive("user_id = $1 AND id <> $2", [userId, keepSessionId]);
  }

  async revokeAll(): Promise<number> {
    return (await this.deleteLive("true", [])).length;
  }

  async countForUser(userId: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM api_sessions WHERE user_id = $1 AND expires_at > now()",
      [userId],
    );
    return rows[0]?.n ?? 0;
  }

  /** Deletes the matching sessions; returns the ids of those that had not expired yet. */
  private async deleteLive(where: string, params: unknown[]): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string; live: boolean }>(
      `DELETE FROM api_sessions WHERE ${where} RETURNING id, expires_at > now() AS live`,
      params,
    );
    return rows.filter((r) => r.live).map((r) => r.id);
  }
}

/** Counters as rows with an expiry; each statement is one upsert, so the row lock makes check-and-count atomic. */
export class PostgresCounters implements Counters {
  constructor(private readonly pool: pg.Pool) {}

  async reserve(key: string, limit: number, windowSeconds: number): Promise<number | null> {
    // An expired row starts a new window; a live one at its limit is left alone and returns nothing.
    const { rows } = await this.pool.query<{ n: string }>(
      `INSERT INTO api_counters AS c (key, n, expires_at) VALUES ($1, 1, now() + make_interval(secs => $3))
       ON CONFLICT (key) DO UPDATE SET
         n = CASE WHEN c.expires_at <= now() THEN 1 ELSE c.n + 1 END,
         expires_at = CASE WHEN c.expires_at <= now() THEN excluded.expires_at ELSE c.expires_at END
       WHERE c.expires_at <= now() OR c.n < $2
       RETURNING n`,
      [key, limit, windowSeconds],
    );
    return rows[0] ? Number(rows[0].n) : null;
  }

  async clear(key: string): Promise<void> {
    await this.pool.query("DELETE FROM api_counters WHERE key = $1", [key]);
  }

  async add(entries: readonly { key: string; n: number }[], windowSeconds: number): Promise<(number | null)[]> {
    if (entries.length === 0) return [];
    // Keys in one order for every instance, so two concurrent flushes lock their rows in the same order.
    const { rows } = await this.pool.query<{ key: string; n: string }>(
      `INSERT INTO api_counters AS c (key, n, expires_at)
       SELECT k, n, now() + make_interval(secs => $3) FROM unnest($1::text[], $2::bigint[]) AS t(k, n) ORDER BY k
       ON CONFLICT (key) DO UPDATE SET
         n = CASE WHEN c.expires_at <= now() THEN excluded.n ELSE c.n + excluded.n END,
         expires_at = excluded.expires_at
       RETURNING key, n`,
      [entries.map((e) => e.key), entries.map((e) => e.n), windowSeconds],
    );
    const totals = new Map(rows.map((r) => [r.key, Number(r.n)]));
    return entries.map((e) => totals.get(e.key) ?? null);
  }
}

const CHANNEL = "orion_sessions_revoked";

/**
 * Revocations over LISTEN/NOTIFY. A listener holds one pooled connection; when it breaks, it listens again after a
 * second (revocations missed meanwhile are bounded by the session cache's TTL, as with a Redis subscriber).
 */
export class PostgresRevocationFeed implements RevocationFeed {
  constructor(private readonly pool: pg.Pool) {}

  async publish(target: RevocationTarget): Promise<void> {
    await this.pool.query("SELECT pg_notify($1, $2)", [CHANNEL, target]);
  }

  async subscribe(onRevoked: (target: string) => void): Promise<() => Promise<void>> {
    let client: { c: pg.PoolClient; detach: () => void } | null = null;
    let stopped = false;
    let retry: NodeJS.Timeout | null = null;
    const again = () => {
      if (stopped) return;
      retry = setTimeout(() => void listen().catch(again), 1000);
      retry.unref();
    };
    const listen = async () => {
      const c = await this.pool.connect();
      const onNotification = (m: pg.Notification) => {
        if (m.channel === CHANNEL && m.payload) onRevoked(m.payload);
      };
      // Listeners come off before the connection goes back to the pool, where others will use it.
      const detach = () => {
        c.off("notification", onNotification);
        c.off("error", onError);
      };
      const onError = () => {
        if (client?.c === c) client = null;
        detach();
        c.release(true);
        again();
      };
      c.on("notification", onNotification);
      c.on("error", onError);
      try {
        await c.query(`LISTEN ${CHANNEL}`);
      } catch (err) {
        detach();
        c.release(true);
        throw err;
      }
      if (stopped) {
        detach();
        c.release(true);
      } else {
        client = { c, detach };
      }
    };
    await listen();
    return async () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      const held = client;
      client = null;
      if (held) {
        // Still listening for errors while UNLISTEN runs: an error event without a listener would be thrown.
        const clean = await held.c.query(`UNLISTEN ${CHANNEL}`).then(
          () => true,
          () => false,
        );
        held.detach();
        held.c.release(clean ? undefined : true);
      }
    };
  }
}

/** How often expired rows are deleted; reads already ignore them, so this only bounds the tables' size. */
const SWEEP_MS = 60_000;

/** Deletes every expired session, refresh token and counter. */
export async function sweepExpired(pool: pg.Pool): Promise<void> {
  await pool.query(
    `WITH a AS (DELETE FROM api_sessions WHERE expires_at <= now()),
          b AS (DELETE FROM api_refresh_tokens WHERE expires_at <= now())
     DELETE FROM api_counters WHERE expires_at <= now()`,
  );
}

/** The session state in the platform's PostgreSQL (migration 105), on the API's own pool. */
export function postgresSessionState(pool: pg.Pool): SessionState {
  const sweep = setInterval(() => void sweepExpired(pool).catch(() => undefined), SWEEP_MS);
  sweep.unref();
  return {
    backend: "postgres",
    sessions: new PostgresSessionStore(pool),
    counters: new PostgresCounters(pool),
    revocations: new PostgresRevocationFeed(pool),
    async ping() {
      await pool.query("SELECT 1");
    },
    async close() {
      clearInterval(sweep);
    },
  };
}
