import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod/v4";
import { VersionConflict, type ControlState, type Mode } from "../../control/index.ts";
import { refuseApproval } from "../approval-flow.ts";
import { phraseMatches } from "../auth-guard.ts";
import { settled, settledBodySerializer } from "../http/settled-body.ts";
import { CONFIRM_PHRASES, ModeRequests } from "../mode-requests.ts";
import { ProblemError } from "../problem.ts";
import { epochMetrics, type EpochMetrics } from "../trading-read.ts";
import { fields, idParams, problemResponses, type RouteDeps } from "./deps.ts";
import { controlStateView, epochMetrics as epochMetricsShape, modeSwitchRequest } from "./shapes.ts";

const METRICS_CACHE_MS = 1000;

const preflightReport = z.object({
  target: fields.mode,
  ok: z.boolean(),
  checks: z.array(z.object({ name: z.string(), ok: z.boolean(), required: z.boolean(), detail: z.string() })),
});

function stateView(s: ControlState) {
  return { mode: s.mode, version: s.version, epoch: s.epoch, since: s.since, killSwitch: s.killSwitch };
}

export function registerModeRoutes(fastify: FastifyInstance, { ctx, guard }: RouteDeps): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const requests = new ModeRequests(ctx.pool);
  // Epoch metrics are aggregates over the trade tables: a second of staleness keeps GET /mode/status cheap under load.
  // `settled` is the value once the query has answered, so a request within the second needs no promise.
  let metricsCache: {
    mode: Mode;
    epoch: number;
    at: number;
    value: Promise<EpochMetrics>;
    settled?: EpochMetrics;
  } | null = null;
  function metricsFor(mode: Mode, epoch: number): EpochMetrics | Promise<EpochMetrics> {
    const now = Date.now();
    const cached = metricsCache;
    if (cached && cached.mode === mode && cached.epoch === epoch && now - cached.at < METRICS_CACHE_MS) {
      return cached.settled ?? cached.value;
    }
    const value = epochMetrics(ctx.pool, mode, epoch);
    const entry: NonNullable<typeof metricsCache> = { mode, epoch, at: now, value };
    metricsCache = entry;
    value.then(
      (metrics) => (entry.settled = metrics),
      () => {
        if (metricsCache === entry) metricsCache = null;
      },
    );
    return value;
  }

  async function controlUnavailable(): Promise<never> {
    throw new ProblemError(503, "control-store-unavailable", "the mode cannot be read; the platform halts new orders");
  }

  // The answer is rebuilt (and serialized) only when the control state or the figures changed.
  let status: { state: ControlState; metrics: EpochMetrics; view: ReturnType<typeof statusView> } | null = null;
  const statusView = (state: ControlState, metrics: EpochMetrics) => settled({ ...stateView(state), metrics });

  app.get(
    "/mode/status",
    {
      ...guard.route("mode.read"),
      serializerCompiler: settledBodySerializer,
      schema: {
        tags: ["mode"],
        security: [{ bearer: [] }],
        response: { 200: controlStateView.extend({ metrics: epochMetricsShape }), ...problemResponses },
      },
    },
    // Without a promise while the view's state and the epoch's figures are fresh (nearly every request under load).
    () => {
      const state = ctx.controlView.fresh();
      const metrics = state && metricsFor(state.mode, state.epoch);
      if (state === undefined || metrics === undefined || metrics instanceof Promise) return readStatus();
      return statusFor(state, metrics);
    },
  );
  async function readStatus() {
    const state = await ctx.controlView.read().catch(controlUnavailable);
    return statusFor(state, await metricsFor(state.mode, state.epoch));
  }
  function statusFor(state: ControlState, metrics: EpochMetrics) {
    if (status?.state !== state || status.metrics !== metrics) {
      status = { state, metrics, view: statusView(state, metrics) };
    }
    return status.view;
  }

  app.post(
    "/mode/validate",
    {
      ...guard.route("mode.validate"),
      schema: {
        tags: ["mode"],
        security: [{ bearer: [] }],
        body: z.strictObject({ target: fields.mode }),
        response: { 200: preflightReport, ...problemResponses },
      },
    },
    async (request) => ctx.preflight(request.body.target),
  );

  app.post(
    "/mode/switch",
    {
      // Live needs admin (checked below); sim is open to operators too.
      ...guard.route("mode.switch.sim", { freshMfa: true }),
      schema: {
        tags: ["mode"],
        security: [{ bearer: [] }],
        description: "sim applies at once (200); live is a request a second admin approves (202).",
        body: z.strictObject({ target: fields.mode, reason: fields.reason, confirm: fields.confirm }),
        response: { 200: controlStateView, 202: modeSwitchRequest, ...problemResponses },
      },
    },
    async (request, reply) => {
      const actor = request.principal?.userId as string;
      const { target, reason, confirm } = request.body;
      if (!phraseMatches(confirm, CONFIRM_PHRASES[target])) {
        throw new ProblemError(400, "confirm-mismatch", `confirm must be exactly "${CONFIRM_PHRASES[target]}"`);
      }
      const state = await ctx.control.read().catch(controlUnavailable);
      if (target === "sim") {
        let next: ControlState;
        try {
          next = await ctx.control.switchMode("sim", state.version, actor);
          ctx.controlView.invalidate();
        } catch (err) {
          if (err instanceof VersionConflict)
            throw new ProblemError(409, "version-conflict", "the mode changed meanwhile; read it and retry");
          throw err;
        }
        await ctx.audit(request, {
          actor,
          action: "mode.switch",
          outcome: "success",
          detail: { from: state.mode, to: "sim", reason, version: next.version, epoch: next.epoch },
        });
        return stateView(next);
      }
      if (request.principal?.role !== "admin") {
        await ctx.audit(request, {
          actor,
          action: "authz.denied",
          outcome: "denied",
          subject: actor,
          detail: { permission: "mode.switch.live", role: request.principal?.role ?? "none" },
        });
        throw new ProblemError(403, "forbidden", "only an admin may request live mode");
      }
      const created = await requests.create("live", reason, actor, state.version, ctx.clock());
      await ctx.audit(request, {
        actor,
        action: "mode.switch.requested",
        outcome: "success",
        detail: { requestId: created.id, target: "live", reason, expectedVersion: state.version },
      });
      return reply.code(202).send(created);
    },
  );

  app.post(
    "/mode/switch/:id/approve",
    {
      ...guard.route("mode.switch.live", { freshMfa: true }),
      schema: {
        tags: ["mode"],
        security: [{ bearer: [] }],
        params: idParams,
        body: z.strictObject({ confirm: fields.confirm }),
        response: {
          200: z.object({ request: modeSwitchRequest, state: controlStateView }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const approver = request.principal?.userId as string;
      const now = ctx.clock();
      const req = await requests.get(request.params.id);
      if (!req) throw new ProblemError(404, "not-found", "no such mode switch request");
      const deny = async (status: number, slug: string, reason: string, extra: Record<string, unknown> = {}) => {
        await ctx.audit(request, {
          actor: approver,
          action: "mode.switch.approval",
          outcome: "denied",
          detail: { requestId: req.id, reason },
        });
        return new ProblemError(status, slug, reason, extra);
      };
      const refusal = await refuseApproval(ctx, approver, req.requestedBy);
      if (refusal) throw await deny(403, "four-eyes", refusal);
      if (!phraseMatches(request.body.confirm, CONFIRM_PHRASES[req.target])) {
        throw await deny(400, "confirm-mismatch", `confirm must be exactly "${CONFIRM_PHRASES[req.target]}"`);
      }
      if (req.status !== "pending") throw await deny(409, "not-pending", `the request is ${req.status}`);
      if (Date.parse(req.expiresAt) <= now.getTime()) {
        await requests.finish(req.id, "expired", "approval window of 15 minutes passed", now);
        throw await deny(410, "expired", "the request expired; ask for a new one");
      }
      const report = await ctx.preflight(req.target);
      if (!report.ok) throw await deny(412, "preflight-failed", "pre-flight checks failed", { checks: report.checks });
      const claimed = await requests.claim(req.id, approver, now);
      if (!claimed) throw await deny(409, "not-pending", "the request was decided meanwhile");
      let next: ControlState;
      try {
        next = await ctx.control.switchMode(req.target, req.expectedVersion, approver);
        ctx.controlView.invalidate();
      } catch (err) {
        const detail =
          err instanceof VersionConflict ? "the control state changed since the request" : "control store error";
        await requests.finish(req.id, "failed", detail, now);
        if (err instanceof VersionConflict) throw await deny(409, "version-conflict", `${detail}; request again`);
        throw err;
      }
      await ctx.audit(request, {
        actor: approver,
        action: "mode.switch",
        outcome: "success",
        detail: {
          requestId: req.id,
          requestedBy: req.requestedBy,
          to: req.target,
          reason: req.reason,
          version: next.version,
          epoch: next.epoch,
        },
      });
      return { request: { ...claimed }, state: stateView(next) };
    },
  );
}
