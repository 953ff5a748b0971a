import type pg from "pg";
import type { Registry } from "prom-client";
import type { ControlStore } from "../control/index.ts";
import type { KeyMaterial, OidcConfig, SessionState, TokenConfig } from "../identity/index.ts";
import type { ChainChecks } from "./preflight.ts";
import type { ReportTrust } from "./report-trust.ts";

export interface RateLimitOptions {
  /** Requests per minute per client IP, all routes. */
  perIp: number;
  /** Requests per minute per authenticated user. */
  perUser: number;
  /** Login, refresh and OIDC attempts per minute per client IP: much stricter. */
  login: number;
}

export interface ApiOptions {
  pool: pg.Pool;
  /**
   * Sessions, revocations, rate limits, TOTP replay and lockout live here: Redis (the cloud) or PostgreSQL (a machine
   * with only Node), ORION_SESSION_STORE. Its owner closes it, after the API: several API instances may share one.
   */
  state: SessionState;
  control: ControlStore;
  keys: KeyMaterial;
  tokens: TokenConfig;
  oidc?: OidcConfig;
  /** Which compliance report may unlock live mode; without it the compliance pre-flight check always fails. */
  reportTrust?: ReportTrust;
  /** Chain-side pre-flight checks, wired by `orion dev` from apps/chain and apps/executor. */
  chainChecks?: ChainChecks;
  clock?: () => Date;
  rateLimits?: Partial<RateLimitOptions>;
  /** Origins allowed by CORS; empty means no cross-origin access at all. */
  corsOrigins?: string[];
  /** Largest accepted request body in bytes. */
  bodyLimit?: number;
  /** pino level; "silent" in tests. */
  logLevel?: string;
  /** Where log lines go (stdout by default); tests capture them to prove secrets never reach a log. */
  logStream?: { write(line: string): void };
  /** Where /metrics reads from; a fresh registry per app by default. */
  metrics?: Registry;
  /**
   * How many proxies in front of the API append to X-Forwarded-For (0: none, the socket's address is the client's).
   * The client address is the entry that many hops from the right; anything further left was written by the client.
   */
  trustProxyHops?: number;
  /** Ledger appends that may wait for the database before generic denials are summarised instead (shed). */
  auditQueueLimit?: number;
  /** How often summary rows of flooded and shed denials are written. */
  denialSummaryMs?: number;
  /** How often the console's overview stream sends the overview again without a control change (default 5 s). */
  overviewRefreshMs?: number;
  /**
   * Where the ledger's head is anchored (signed with a key derived from keys.kek) at least every intervalMs while
   * rows are appended, and once more on close. `orion api` passes $ORION_HOME/anchors.
   */
  anchors?: { dir: string; intervalMs?: number };
  /** How long a session the store confirmed is trusted without asking again; other instances' logouts are pushed. */
  sessionCacheMs?: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitOptions = { perIp: 6000, perUser: 3000, login: 10 };
export const DEFAULT_BODY_LIMIT = 16 * 1024;
