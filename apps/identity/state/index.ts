export {
  REFRESH_TTL_SECONDS,
  type Counters,
  type RevocationFeed,
  type RevocationTarget,
  type RotateResult,
  type Session,
  type SessionState,
  type SessionStore,
} from "./ports.ts";
export { redisSessionState } from "./redis.ts";
export { postgresSessionState, sweepExpired } from "./postgres.ts";
