import cors from "@fastify/cors";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from "fastify-type-provider-zod";
import helmet from "helmet";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { AnchorDirectory, anchorKey, AuditLedger, PeriodicAnchorer, SubjectKeyVault } from "../audit/index.ts";
import { createOidcVerifier, LoginLockout, UserDirectory } from "../identity/index.ts";
import { createGuard } from "./auth-guard.ts";
import { ControlView } from "./control-view.ts";
import { RequestBudget } from "./budget.ts";
import { DenialRecorder } from "./denials.ts";
import { jsonDepth, MAX_JSON_DEPTH } from "./http/json-depth.ts";
import { staticSecurityHeaders } from "./http/security-headers.ts";
import { requestLoggerFactory, RequestLines } from "./http/request-logger.ts";
import { requireZodSchemas, validationDetail } from "./http/zod-schemas.ts";
import { RateLimiter } from "./rate-limiter.ts";
import { SessionCache } from "./session-cache.ts";
import type { ApiContext } from "./context.ts";
import { DEFAULT_BODY_LIMIT, DEFAULT_RATE_LIMITS, type ApiOptions } from "./options.ts";
import { buildPreflightChecks } from "./preflight-checks.ts";
import { runPreflight } from "./preflight.ts";
import { problem, ProblemError, sendProblem, type Problem } from "./problem.ts";
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
import { closeConnectionsOnClose } from "./close-connections.ts";

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
  if (err.validation)
    return problem(400, "validation", validationDetail(err.validationContext ?? "request", err.validation));
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

/**
 * Fastify's proxy trust as a hop count: the socket's peer and the n-1 entries nearest the right of X-Forwarded-For
 * are proxies, and the next entry to the left is the client (fastify's own numeric trustProxy trusts nothing at
 * all). Never `true`: then the left-most entry, which the client writes, would be its address for the limiter and
 * the ledger. The count is only sound when the API cannot be reached except through those proxies.
 */
function trustHops(hops: number): false | ((address: string, hop: number) => boolean) {
  return hops > 0 ? (_address, hop) => hop < hops : false;
}

export async function buildApi(options: ApiOptions): Promise<FastifyInstance> {
  const clock = options.clock ?? (() => new Date());
  const limits = { ...DEFAULT_RATE_LIMITS, ...options.rateLimits };
  const registry = options.metrics ?? new Registry();
  const vault = new SubjectKeyVault(options.pool, options.keys.kek);
  const ledger = new AuditLedger(options.pool, vault, clock, options.auditQueueLimit);
  const controlView = new ControlView(options.control);
  await controlView.start();
  const { state } = options;
  const sessionCache = new SessionCache(state.sessions, state.revocations, options.sessionCacheMs);
  await sessionCache.start();
  const budget = new RequestBudget(state.counters, clock);
  budget.start();
  const limiter = new RateLimiter(budget, limits);
  const summarised = new Counter({
    name: "orion_audit_denials_summarised_total",
    help: 'Denials written as part of a summary row instead of a row each: reason "flood" (repeated 404/429) or "queue-full" (shed: the ledger queue was full)',
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  new Gauge({
    name: "orion_audit_queue_depth",
    help: "Ledger appends waiting for the database",
    registers: [registry],
    collect() {
      this.set(ledger.queued);
    },
  });
  const denials = new DenialRecorder(ledger, clock, summarised, options.denialSummaryMs);
  denials.start();
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
    trustProxy: trustHops(options.trustProxyHops ?? 0),
    logger: {
      level: options.logLevel ?? "info",
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    // Each request's logger is made only if it writes a line, and a request that went right writes none at info.
    logController: new RequestLines(),
    childLoggerFactory: requestLoggerFactory,
    return503OnClosing: true,
    // URLs the router cannot even decode: answered and audited like every other denial (fastify would answer its own
    // JSON shape, before any hook, so neither the limiter nor the ledger would see them).
    frameworkErrors: (err, request, reply) => {
      let p =
        err.code === "FST_ERR_MAX_PARAM_LENGTH"
          ? problem(414, "uri-too-long", "a path segment of the URL is too long")
          : problem(400, "bad-url", "the URL is not valid");
      try {
        limiter.admitAddress(request.ip, false);
      } catch (limited) {
        if (!(limited instanceof ProblemError)) throw limited;
        p = problem(limited.status, limited.slug, limited.message);
      }
      request.audited = true;
      const recorded = denials.record({
        status: p.status,
        problem: p.type,
        method: request.method,
        route: "unmatched",
        actor: "anonymous",
        subject: null,
      });
      // The answer goes out whether or not the row could be written (a failed append is logged, never unhandled).
      void recorded
        .catch((e: unknown) =>
          request.log.error({ errMessage: (e as Error).message?.split("\n")[0] }, "denial not audited"),
        )
        .finally(() => sendProblem(reply, p));
    },
  });

  // Requests are validated and answers serialized by the routes' zod schemas (strict objects: unknown fields are
  // refused, not dropped; no coercion: "1" is not an integer). A route without them does not start.
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook("onRoute", requireZodSchemas);

  // JSON bodies: fastify's own parser (prototype poisoning refused), behind a depth limit, so a deeply nested
  // document is a 400 instead of a stack overflow in a validator, the canonical encoder or the database.
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (jsonDepth(text) > MAX_JSON_DEPTH) {
      done(
        new ProblemError(400, "too-deep", `the JSON document is nested deeper than ${MAX_JSON_DEPTH} levels`),
        undefined,
      );
      return;
    }
    parseJson(request, text, done);
  });

  app.decorateRequest("principal", null);
  app.decorateRequest("audited", false);
  app.decorateRequest("problemType", null);
  app.decorate("denials", denials);

  const ctx: ApiContext = {
    pool: options.pool,
    state,
    control: options.control,
    controlView,
    keys: options.keys,
    tokens: options.tokens,
    clock,
    ledger,
    vault,
    users: new UserDirectory(options.pool, vault, options.keys.pepper),
    sessions: state.sessions,
    sessionCache,
    limiter,
    lockout: new LoginLockout(state.counters),
    verifyOidc: options.oidc ? createOidcVerifier(options.oidc) : null,
    preflight: (target) => runPreflight(target, checks),
    async audit(request, event) {
      request.audited = true;
      await ledger.append(event);
    },
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

  // helmet's headers computed once (@fastify/helmet rebuilds its middleware, and re-parses the CSP, on every request;
  // even built once, its chain per request was a fifth of an authenticated request's CPU): set on every reply.
  const securityHeaders = staticSecurityHeaders(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", "data:"],
        },
      },
      strictTransportSecurity: { maxAge: 63072000, includeSubDomains: true },
    }),
  );
  app.addHook("onRequest", (_request, reply, done) => {
    reply.headers(securityHeaders);
    done();
  });
  // CORS only where an origin is allowed: with none, a cross-origin request gets no CORS header either way, and the
  // plugin's per-request work was a tenth of an authenticated request's CPU (a preflight is then a 404 denial).
  if (options.corsOrigins?.length) {
    await app.register(cors, {
      origin: options.corsOrigins,
      methods: ["GET", "POST", "PUT"],
      allowedHeaders: ["authorization", "content-type"],
      credentials: false,
      maxAge: 600,
    });
  }
  // Every request is counted against its address before anything else is done for it. The hooks every request runs
  // take a callback rather than return a promise: nothing in them waits, and a promise per hook per request shows.
  app.addHook("onRequest", (request, _reply, done) => {
    try {
      limiter.admitAddress(request.ip, request.routeOptions.config.loginLimited === true);
    } catch (err) {
      done(err as Error);
      return;
    }
    done();
  });
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "Alpha-Orion control plane", version: "1.0.0" },
      components: {
        securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
      },
    },
    // The document is generated from the same zod schemas that validate; named ones (Problem) become components.
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

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
  app.addHook("onSend", (request, reply, payload, done) => {
    const status = reply.statusCode;
    if (status < 400 || status >= 500 || request.audited) {
      done(null, payload);
      return;
    }
    request.audited = true;
    denials
      .record({
        status,
        problem: request.problemType ?? "unknown",
        method: request.method,
        route: request.routeOptions.url ?? "unmatched",
        actor: request.principal?.userId ?? "anonymous",
        subject: request.principal?.userId ?? null,
        ...(request.principal ? { pii: { ip: request.ip } } : {}),
      })
      .then(
        () => done(null, payload),
        (err: unknown) => done(err as Error),
      );
  });
  // Before the console's hook that ends its event streams, so their connections are ended once the streams are.
  closeConnectionsOnClose(app);
  app.addHook("onClose", async () => {
    await controlView.stop();
    await sessionCache.stop();
    await budget.stop();
    await denials.stop();
    await anchorer?.stop();
  });
  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url ?? "unmatched";
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    latency.observe({ route }, reply.elapsedTime / 1000);
    done();
  });

  const deps = { ctx, guard };
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
  await registerConsole(app, deps, registry, { overviewRefreshMs: options.overviewRefreshMs });
  return app;
}
