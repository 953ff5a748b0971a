import { Redis } from "ioredis";
import pg from "pg";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { createMigratedTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";
import { deleteKeysWithPrefix, TEST_REDIS_URL, testKeyPrefix } from "../../../test/support/redis.ts";
import { createRedisControlStore, type ControlStore } from "../../control/index.ts";
import {
  generateKeyFile,
  loadKeyMaterial,
  postgresSessionState,
  redisSessionState,
  totpCode,
  UserDirectory,
  type KeyMaterial,
  type Role,
  type SessionState,
} from "../../identity/index.ts";
import { AuditLedger, SubjectKeyVault } from "../../audit/index.ts";
import { CompactSign, generateKeyPair, type CryptoKey } from "jose";
import { buildApi } from "../app.ts";
import { recordComplianceReport } from "../compliance-reports.ts";
import type { ApiOptions } from "../options.ts";

export const TEST_TOKENS = { issuer: "https://control.test", audience: "orion-test" };

export interface TestUser {
  id: string;
  email: string;
  password: string;
  role: Role;
  totpSecret: string;
}

export interface Tokens {
  accessToken: string;
  refreshToken: string;
}

/**
 * A control plane on real PostgreSQL (own database) and real Redis (own key prefix) with a clock tests can move
 * forward. Requests go through fastify's inject: the whole stack except the socket. The session state is in Redis
 * unless `sessionStore: "postgres"` puts it in the test's database (the control store stays in Redis either way).
 */
export class ApiHarness {
  offsetMs = 0;
  private lastStep = new Map<string, number>();

  private constructor(
    readonly app: FastifyInstance,
    readonly db: TestDatabase,
    readonly pool: pg.Pool,
    readonly redis: Redis,
    readonly prefix: string,
    readonly state: SessionState,
    readonly control: ControlStore,
    readonly keys: KeyMaterial,
    readonly users: UserDirectory,
    /** The CI identity's key: signs compliance reports the way CI does. */
    private readonly ciKey: CryptoKey,
    private readonly options: ApiOptions,
  ) {}

  /** A second API instance on the same database, Redis prefix and keys, as another replica would be. */
  async anotherInstance(): Promise<FastifyInstance> {
    const app = await this.unreadyInstance();
    await app.ready();
    return app;
  }

  /** Another instance before ready(): routes can still be added to it (the caller readies and closes it). */
  async unreadyInstance(): Promise<FastifyInstance> {
    const control = createRedisControlStore({ url: TEST_REDIS_URL, keyPrefix: this.prefix });
    const app = await buildApi({ ...this.options, control, metrics: undefined });
    app.addHook("onClose", () => control.close());
    return app;
  }

  /** A compliance report as CI sends it: a compact JWS whose payload is the report. */
  signReport(report: unknown): Promise<string> {
    return new CompactSign(new TextEncoder().encode(JSON.stringify(report)))
      .setProtectedHeader({ alg: "EdDSA" })
      .sign(this.ciKey);
  }

  /** Records a report signed by CI, as POST /compliance/reports {"jws"} would. */
  async recordSignedReport(report: unknown): Promise<void> {
    await recordComplianceReport(this.pool, report, await this.signReport(report));
  }

  static async start(
    overrides: Partial<ApiOptions> = {},
    opts: { sessionStore?: "redis" | "postgres" } = {},
  ): Promise<ApiHarness> {
    const db = await createMigratedTestDatabase("orion_api");
    const pool = new pg.Pool({ connectionString: db.url, max: 10 });
    const prefix = testKeyPrefix();
    const redis = new Redis(TEST_REDIS_URL, { enableAutoPipelining: true, maxRetriesPerRequest: 1 });
    const control = createRedisControlStore({ url: TEST_REDIS_URL, keyPrefix: prefix });
    const state = opts.sessionStore === "postgres" ? postgresSessionState(pool) : redisSessionState(redis, prefix);
    const keys = await loadKeyMaterial(await generateKeyFile());
    const ci = await generateKeyPair("EdDSA");
    let harness: ApiHarness | null = null;
    const clock = () => new Date(Date.now() + (harness?.offsetMs ?? 0));
    const options: ApiOptions = {
      pool,
      state,
      control,
      keys,
      tokens: TEST_TOKENS,
      clock,
      logLevel: "silent",
      // Tests log in many times from one address; the login limit has its own test with its own harness.
      rateLimits: { login: 1000 },
      reportTrust: { stack: "prod", publicKey: ci.publicKey, maxAgeSeconds: 86_400 },
      ...overrides,
    };
    const app = await buildApi(options);
    await app.ready();
    const users = new UserDirectory(pool, new SubjectKeyVault(pool, keys.kek), keys.pepper);
    harness = new ApiHarness(app, db, pool, redis, prefix, state, control, keys, users, ci.privateKey, options);
    return harness;
  }

  /** A ledger reader over the same database and keys as the app. */
  ledger(): AuditLedger {
    return new AuditLedger(this.pool, new SubjectKeyVault(this.pool, this.keys.kek));
  }

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  /**
   * A user as the bootstrap command makes them. By default the user has also enrolled its own second factor (the
   * secret it was given is taken as its own), so it may approve; `enrolled: false` leaves that step to the test.
   */
  async createUser(
    role: Role,
    email = `${role}-${Math.random().toString(36).slice(2, 10)}@example.com`,
    opts: { enrolled?: boolean } = {},
  ): Promise<TestUser> {
    const password = "correct horse battery staple";
    const { user, totpSecret } = await this.users.create({ email, role, password });
    if (opts.enrolled !== false) {
      await this.users.beginTotpEnrolment(user.id, totpSecret as string);
      await this.users.completeTotpEnrolment(user.id, this.now());
    }
    return { id: user.id, email, password, role, totpSecret: totpSecret as string };
  }

  /** A fresh TOTP code; moves the clock to the next step if this user already spent the current one. */
  code(user: TestUser): string {
    const step = Math.floor(this.now().getTime() / 30_000);
    if (this.lastStep.get(user.id) === step) this.advance(30_000);
    this.lastStep.set(user.id, Math.floor(this.now().getTime() / 30_000));
    return totpCode(user.totpSecret, this.now());
  }

  async login(user: TestUser): Promise<Tokens> {
    const res = await this.request("POST", "/auth/login", {
      body: { email: user.email, password: user.password, totp: this.code(user) },
    });
    if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
    return res.json() as Tokens;
  }

  request(
    method: "GET" | "POST" | "PUT" | "DELETE" | "PATCH" | "OPTIONS",
    url: string,
    opts: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<LightMyRequestResponse> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined || opts.rawBody !== undefined) headers["content-type"] ??= "application/json";
    return this.app.inject({
      method,
      url,
      headers,
      payload: opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
    });
  }

  async auditCount(filter: { action?: string; outcome?: string } = {}): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_log WHERE ($1::text IS NULL OR action = $1) AND ($2::text IS NULL OR outcome = $2)`,
      [filter.action ?? null, filter.outcome ?? null],
    );
    return rows[0]?.n ?? 0;
  }

  async close(): Promise<void> {
    await this.app.close();
    await this.control.close();
    await this.state.close();
    this.redis.disconnect();
    await this.pool.end();
    await this.db.drop();
    await deleteKeysWithPrefix(this.prefix);
  }
}

/** Asserts the RFC 9457 shape; returns the parsed problem. */
export function expectProblem(res: LightMyRequestResponse, status: number): Record<string, unknown> {
  if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
  if (!String(res.headers["content-type"]).startsWith("application/problem+json")) {
    throw new Error(`expected application/problem+json, got ${res.headers["content-type"]}`);
  }
  const p = res.json() as Record<string, unknown>;
  if (
    p.status !== status ||
    typeof p.type !== "string" ||
    typeof p.title !== "string" ||
    typeof p.detail !== "string"
  ) {
    throw new Error(`not a problem document: ${res.body}`);
  }
  if (/\n\s+at |node_modules|\.ts:\d+|password_hash|SELECT /.test(res.body))
    throw new Error(`problem leaks internals: ${res.body}`);
  return p;
}
