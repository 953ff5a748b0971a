import type { Role } from "../roles.ts";

/**
 * The control plane's short-lived shared state: sessions and their refresh-token families, attempt and request
 * counters, and the revocation feed that tells every API instance about a logout at once. Two backends implement
 * it with the same behaviour, checked by one contract test (state.test.ts) against the real servers: Redis
 * (Memorystore in the cloud, REDIS_URL locally) and PostgreSQL (the platform's own database, for a machine with
 * only Node: `npm start` with its embedded PostgreSQL). ORION_SESSION_STORE picks one.
 */

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

/**
 * Sessions and refresh-token families, shared by every API instance. Refresh tokens are opaque random strings; only
 * their SHA-256 is stored. A session's absolute lifetime (REFRESH_TTL_SECONDS) is fixed at login: rotation never
 * extends it. Rotated tokens are remembered until the session would have expired, so a late reuse is still caught.
 */
export interface SessionStore {
  create(userId: string, role: Role, mfaAt: number | null): Promise<{ session: Session; refreshToken: string }>;
  /** Atomic: of two concurrent uses of one token, exactly one rotates and the other is a reuse. */
  rotate(refreshToken: string): Promise<RotateResult>;
  isActive(sessionId: string): Promise<boolean>;
  get(sessionId: string): Promise<Session | null>;
  /** Records a fresh second-factor proof on the session (step-up), so later access tokens carry it. */
  markMfa(sessionId: string, at: number): Promise<void>;
  revoke(sessionId: string): Promise<void>;
  /** Returns how many sessions ended. */
  revokeAllForUser(userId: string): Promise<number>;
  /** Ends every session of the user but one (after a new second factor: whoever held the old one is logged out). */
  revokeOthers(userId: string, keepSessionId: string): Promise<string[]>;
  /** Emergency shutdown: every session everywhere ends; access tokens die at their next request. */
  revokeAll(): Promise<number>;
  /** The user's open sessions (a data subject's access request reports it). */
  countForUser(userId: string): Promise<number>;
}

/** Counters that expire: login attempts, spent TOTP codes, per-minute request budgets. */
export interface Counters {
  /**
   * Counts one more under `key` unless `limit` are already counted; returns the new count, or null when the limit
   * is reached. Check and count are one atomic step. The window starts at the first count and lasts windowSeconds.
   */
  reserve(key: string, limit: number, windowSeconds: number): Promise<number | null>;
  clear(key: string): Promise<void>;
  /**
   * Adds each entry's n to its key (n = 0 only reads) and returns each key's total, in order; null for a total that
   * could not be stored. Each key lives windowSeconds after its last addition.
   */
  add(entries: readonly { key: string; n: number }[], windowSeconds: number): Promise<(number | null)[]>;
}

/** `session:<id>`, `user:<id>` (all of a user's sessions) or `*` (everyone). */
export type RevocationTarget = `session:${string}` | `user:${string}` | "*";

/** Revocations pushed to every API instance, so a session cache anywhere forgets a revoked session at once. */
export interface RevocationFeed {
  publish(target: RevocationTarget): Promise<void>;
  /** Delivers every published target (its own too); resolves once listening; the returned function stops it. */
  subscribe(onRevoked: (target: string) => void): Promise<() => Promise<void>>;
}

export interface SessionState {
  /** Which backend, for health and pre-flight details. */
  readonly backend: "redis" | "postgres";
  readonly sessions: SessionStore;
  readonly counters: Counters;
  readonly revocations: RevocationFeed;
  /** Throws when the backend does not answer. */
  ping(): Promise<void>;
  /** Stops background work (expiry sweeps); the connection it was given stays its owner's to close. */
  close(): Promise<void>;
}
