import cors from "@fastify/cors";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import helmet from "helmet";
import { Counter, Histogram, Registry } from "prom-client";
import { AnchorDirectory, anchorKey, AuditLedger, PeriodicAnchorer, SubjectKeyVault } from "../audit/index.ts";
import { createOidcVerifier, LoginLockout, SessionStore, UserDirectory } from "../identity/index.ts";
import { createGuard } from "./auth-guard.ts";
import { ControlView } from "./control-view.ts";
import { RequestBudget } from "./budget.ts";
import { SessionCache } from "./session-cache.ts";
import type { ApiContext } from "./context.ts";
import { DEFAULT_BODY_LIMIT, DEFAULT_RATE_LIMITS, type ApiOptions } from "./options.ts";
import { buildPreflightChecks } from "./preflight-checks.ts";
import { runPreflight } from "./preflight.ts";
import { problem, ProblemError, problemSchema, sendProblem, type Problem } from "./problem.ts";
import { registerAuthRoutes } from "./routes/auth.ts";
import { registerComplianceRoutes } from "./routes/compliance.ts";
import { registerGdprRoutes } from "./routes/gdpr.ts";
import { registerHealthRoutes } from "./routes/health.ts";
import { registerKillSwitchRoutes } from "./routes/killswitch.ts";
import { registerModeRoutes } from "./routes/mode.ts";
import { registerRiskRoutes } from "./routes/risk.ts";
import { registerTradingRoutes } from "./routes/trading.ts";
import { registerUserRoutes } from "./routes/users.ts";
import { registerUserAdminRoutes } from "./routes/user-admin.ts";
import { registerAuditVerifyRoute } from "./routes/audit-verify.ts";
import { registerConsole } from "./console/index.ts";

/** Secrets that must never reach a log line, wherever they appear. */
export const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  "headers.authorization",
  "*.password",
  "*.totp",
  "*.refreshToken",
  "*.accessToken",
  "*.idToken",
  "*.totpSecret",
];

/** Maps any error to a problem. Client errors keep their (framework-written) message; server errors say nothing. */
function toProblem(err: FastifyError | ProblemError): Problem {
  if (err instanceof ProblemError) return problem(err.status, err.slug, err.message, err.extensions);
  if (err.validation) {
    return problem(
      400,
      "validation",
      `${err.validationContext ?? "request"}${err.validation[0]?.instancePath ?? ""} ${err.validation[0]?.message ?? "is invalid"}`,
    );
  }
  const status = err.statusCode ?? 500;
  if (status === 413) return problem(413, "body-too-large", "the request body exceeds the size limit");
  if (status === 415) return problem(415, "unsupported-media-type", "send application/json");
  if (status >= 400 && status < 500) {
    const slug =
      err.code === "FST_ERR_CTP_INVALID_JSON_BODY" || err instanceof SyntaxError ? "malformed-json" : "bad-request";
    return problem(
      status,
      slug,
      slug === "malformed-json" ? "the body is not valid JSON" : (err.message.split("\n")[0] ?? "bad request"),
    );
  }
  return problem(500, "internal", "the server could not complete the request; it has been logged");
}

export async function buildApi(options: ApiOptions): Promise<FastifyInstance> {
  const clock = options.clock ?? (() => new Date());
  const limits = { ...DEFAULT_RATE_LIMITS, ...options.rateLimits };
  const registry = options.metrics ?? new Registry();
  const vault = new SubjectKeyVault(options.pool, options.keys.kek);
  const ledger = new AuditLedger(options.pool, vault, clock);
  const controlView = new ControlView(options.control);
  await controlView.start();
  const sessionCache = new SessionCache(options.redis, options.keyPrefix, options.sessionCacheMs);
  await sessionCache.start();
  const budget = new RequestBudget(options.redis, options.keyPrefix, clock);
  budget.start();
  const anchors = options.anchors
    ? { key: anchorKey(options.keys.kek), dir: new AnchorDirectory(options.anchors.dir) }
    : null;
  const anchorer = anchors
    ? new PeriodicAnchorer(options.pool, anchors.key, anchors.dir, clock, options.anchors?.intervalMs, (err) =>
        app.log.error({ errMessage: (err as Error).message?.split("\n")[0] }, "audit anchor not written"),
      )
    : null;
  anchorer?.start();

  const app = Fastify({
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    trustProxy: options.trustProxy ?? false,
    logger: {
      level: options.logLevel ?? "info",
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    // Unknown fields are refused rather than silently dropped, and "1" is not an integer: no type coercion.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: false } },
    return503OnClosing: true,
  });

  app.decorateRequest("principal", null);
  app.decorateRequest("audited", false);
  app.decorateRequest("problemType", null);
  app.decorateRequest("ipCountedByGuard", false);

  const ctx: ApiContext = {
    pool: options.pool,
    redis: options.redis,
    keyPrefix: options.keyPrefix,
    control: options.control,
    controlView,
    keys: options.keys,
    tokens: options.tokens,
    clock,
    ledger,
    vault,
    users: new UserDirectory(options.pool, vault, options.keys.pepper),
    sessions: new SessionStore(options.redis, options.keyPrefix),
    sessionCache,
    budget,
    lockout: new LoginLockout(options.redis, options.keyPrefix),
    verifyOidc: options.oidc ? createOidcVerifier(options.oidc) : null,
    preflight: (target) => runPreflight(target, checks),
    async audit(request, event) {
      request.audited = true;
      await ledger.append(event);
    },
    perUserLimit: limits.perUser,
    perIpLimit: limits.perIp,
    reportTrust: options.reportTrust ?? null,
    anchors,
  };
  const checks = buildPreflightChecks(ctx, options.chainChecks ?? {});
  const guard = createGuard(ctx);

  const requests = new Counter({
    name: "orion_api_requests_total",
    help: "API requests by route and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: "orion_api_request_duration_seconds",
    help: "API request latency",
    labelNames: ["route"] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [registry],
  });

  // helmet's middleware built once: @fastify/helmet rebuilds it (and re-parses the CSP) on every request.
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:"],
      },
    },
    strictTransportSecurity: { maxAge: 63072000, includeSubDomains: true },
  });
  app.addHook("onRequest", (request, reply, done) => {
    securityHeaders(request.raw, reply.raw, (err?: unknown) => done(err instanceof Error ? err : undefined));
  });
  await app.register(cors, {
    origin: options.corsOrigins ?? [],
    methods: ["GET", "POST", "PUT"],
    allowedHeaders: ["authorization", "content-type"],
    credentials: false,
    maxAge: 600,
  });
  await app.register(rateLimit, {
    global: true,
    allowList: (request) => guard.skipIpLimiter(request),
    max: limits.perIp,
    timeWindow: 60_000,
    redis: options.redis,
    nameSpace: `${options.keyPrefix}rl-ip:`,
    skipOnError: false,
    errorResponseBuilder: (_req, c) =>
      new ProblemError(429, "rate-limited", `too many requests; retry after ${c.after}`),
  });
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "Alpha-Orion control plane", version: "1.0.0" },
      components: {
        securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });
  app.addSchema(problemSchema);

  app.setErrorHandler(async (err: FastifyError | ProblemError, request, reply) => {
    const p = toProblem(err);
    // The type and message say what broke; no stack, no request body, no headers.
    if (p.status >= 500)
      request.log.error({ errType: err.name, errMessage: err.message.split("\n")[0] }, "request failed");
    request.problemType = p.type;
    return sendProblem(reply, p);
  });
  app.setNotFoundHandler(async (request, reply) => {
    const p = problem(404, "not-found", "no such resource");
    request.problemType = p.type;
    return sendProblem(reply, p);
  });

  // Every client error is a denial and leaves a ledger row, written before the response leaves (so a client that
  // saw its 4xx can rely on the row being there). Routes that wrote a more specific row already are skipped.
  app.addHook("onSend", async (request, reply, payload) => {
    const status = reply.statusCode;
    if (status >= 400 && status < 500 && !request.audited) {
      request.audited = true;
      const actor = request.principal?.userId ?? "anonymous";
      await ledger.append({
        actor,
        action: "request.denied",
        outcome: "denied",
        subject: request.principal?.userId ?? null,
        detail: {
          status,
          problem: request.problemType ?? "unknown",
          method: request.method,
          route: request.routeOptions.url ?? "unmatched",
        },
        ...(request.principal ? { pii: { ip: request.ip } } : {}),
      });
    }
    return payload;
  });
  app.addHook("onClose", async () => {
    await controlView.stop();
    sessionCache.stop();
    await budget.stop();
    await anchorer?.stop();
  });
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    latency.observe({ route }, reply.elapsedTime / 1000);
  });

  const deps = { ctx, guard, loginRateLimit: limits.login };
  registerHealthRoutes(app, ctx, registry);
  registerAuthRoutes(app, deps);
  registerUserRoutes(app, deps);
  registerUserAdminRoutes(app, deps);
  registerModeRoutes(app, deps);
  registerKillSwitchRoutes(app, deps);
  registerTradingRoutes(app, deps);
  registerRiskRoutes(app, deps);
  registerComplianceRoutes(app, deps);
  registerAuditVerifyRoute(app, deps);
  registerGdprRoutes(app, deps);
  await registerConsole(app, deps);
  return app;
}
