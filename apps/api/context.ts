import type pg from "pg";
import type { ControlStore } from "../control/index.ts";
import type { AnchorSource, AuditEvent, AuditLedger, SubjectKeyVault } from "../audit/index.ts";
import type {
  AccessClaims,
  ExternalIdentity,
  KeyMaterial,
  LoginLockout,
  SessionState,
  SessionStore,
  TokenConfig,
  UserDirectory,
} from "../identity/index.ts";
import type { Mode } from "../control/index.ts";
import type { PreflightReport } from "./preflight.ts";
import type { ReportTrust } from "./report-trust.ts";
import type { ControlView } from "./control-view.ts";
import type { SessionCache } from "./session-cache.ts";
import type { RateLimiter } from "./rate-limiter.ts";
import type { DenialRecorder } from "./denials.ts";

/** What every route group gets: the injected dependencies plus the services built from them. */
export interface ApiContext {
  pool: pg.Pool;
  /** Sessions, counters and revocations (Redis or PostgreSQL); routes use its parts below, health its ping. */
  state: SessionState;
  control: ControlStore;
  /** Cached control state for display only; call invalidate() after writing the store. */
  controlView: ControlView;
  keys: KeyMaterial;
  tokens: TokenConfig;
  clock: () => Date;
  ledger: AuditLedger;
  vault: SubjectKeyVault;
  users: UserDirectory;
  sessions: SessionStore;
  /** Call revoked() after every session revocation, so this and every other instance stop accepting it at once. */
  sessionCache: SessionCache;
  limiter: RateLimiter;
  lockout: LoginLockout;
  verifyOidc: ((idToken: string, now: Date) => Promise<ExternalIdentity>) | null;
  preflight(target: Mode): Promise<PreflightReport>;
  /** Appends to the ledger and marks the request as audited, so the generic denial row is not added as well. */
  audit(request: { audited: boolean }, event: AuditEvent): Promise<void>;
  /** Which compliance report the live pre-flight trusts; null: none (live stays locked). */
  reportTrust: ReportTrust | null;
  /** The ledger's signed anchors, checked by GET /compliance/audit/verify; null when none are kept. */
  anchors: AnchorSource;
}

declare module "fastify" {
  interface FastifyInstance {
    /** Generic denial rows and their flood summaries; tests flush it to see every denial written. */
    denials: DenialRecorder;
  }
  interface FastifyContextConfig {
    /** Login-type routes (password, refresh, OIDC, second factor): the address's login budget applies too. */
    loginLimited?: boolean;
  }
  interface FastifyRequest {
    principal: AccessClaims | null;
    audited: boolean;
    /** The problem this request ended with, for the denial row. */
    problemType: string | null;
  }
}
