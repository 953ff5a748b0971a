import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod/v4";
// The control module's schemas are zod 3: what riskLimitsSchema throws is zod 3's ZodError, not zod/v4's.
import { ZodError } from "zod";
import {
  riskLimitsSchema,
  riskLimitsToWire,
  VersionConflict,
  type ControlState,
  type RiskLimits,
} from "../../control/index.ts";
import { decideApproval } from "../approval-flow.ts";
import { ApprovalRequests } from "../approvals.ts";
import { riskRaises } from "../risk-direction.ts";
import { ProblemError } from "../problem.ts";
import { idParams, noBody, problemResponses, type RouteDeps } from "./deps.ts";
import { approvalRequest, riskLimitsWire } from "./shapes.ts";

const versionedLimits = z.object({ version: z.int(), limits: riskLimitsWire });

function unavailable(): never {
  throw new ProblemError(503, "control-store-unavailable", "the control store cannot be read");
}

export function registerRiskRoutes(fastify: FastifyInstance, { ctx, guard }: RouteDeps): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const approvals = new ApprovalRequests(ctx.pool);

  async function setLimits(limits: RiskLimits, expectedVersion: number, actor: string): Promise<ControlState> {
    try {
      const next = await ctx.control.setRiskLimits(limits, expectedVersion, actor);
      ctx.controlView.invalidate();
      return next;
    } catch (err) {
      if (err instanceof VersionConflict) {
        throw new ProblemError(
          409,
          "version-conflict",
          "the control state changed meanwhile; read the limits and retry",
        );
      }
      throw err;
    }
  }

  app.get(
    "/risk/limits",
    {
      ...guard.route("risk.read"),
      schema: { tags: ["risk"], security: [{ bearer: [] }], response: { 200: versionedLimits, ...problemResponses } },
    },
    async () => {
      const s = await ctx.control.read().catch(unavailable);
      return { version: s.version, limits: riskLimitsToWire(s.limits) };
    },
  );

  app.put(
    "/risk/limits",
    {
      ...guard.route("risk.write", { freshMfa: true }),
      schema: {
        tags: ["risk"],
        security: [{ bearer: [] }],
        description: "Amounts are decimal strings of base units. expectedVersion comes from GET /risk/limits.",
        body: z.strictObject({ expectedVersion: z.int().min(1), limits: riskLimitsWire }),
        response: { 200: versionedLimits, 202: approvalRequest, ...problemResponses },
      },
    },
    async (request, reply) => {
      const actor = request.principal?.userId as string;
      let limits;
      try {
        limits = riskLimitsSchema.parse(request.body.limits);
      } catch (err) {
        if (err instanceof ZodError)
          throw new ProblemError(400, "validation", err.issues[0]?.message ?? "invalid limits");
        throw err;
      }
      const before = await ctx.control.read().catch(unavailable);
      const raises = riskRaises(before.limits, limits);
      if (raises.length > 0) {
        // Taking more risk is the same decision as going live: it waits for a second admin.
        const payload = { limits: riskLimitsToWire(limits), expectedVersion: request.body.expectedVersion, raises };
        const created = await approvals.create("risk.limits", null, payload, actor, ctx.clock());
        await ctx.audit(request, {
          actor,
          action: "risk.limits.requested",
          outcome: "success",
          detail: { requestId: created.id, ...payload },
        });
        return reply.code(202).send(created);
      }
      const next = await setLimits(limits, request.body.expectedVersion, actor);
      await ctx.audit(request, {
        actor,
        action: "risk.limits.changed",
        outcome: "success",
        detail: {
          before: riskLimitsToWire(before.limits),
          after: riskLimitsToWire(next.limits),
          version: next.version,
        },
      });
      return { version: next.version, limits: riskLimitsToWire(next.limits) };
    },
  );

  app.post(
    "/risk/limits/requests/:id/approve",
    {
      ...guard.route("risk.write", { freshMfa: true }),
      preValidation: noBody.preValidation,
      schema: {
        tags: ["risk"],
        security: [{ bearer: [] }],
        description: "A second admin applies a limit change that takes more risk (at the version it was asked for).",
        params: idParams,
        body: noBody.schema,
        response: { 200: versionedLimits.extend({ request: approvalRequest }), ...problemResponses },
      },
    },
    async (request) => {
      const { request: req, result: next } = await decideApproval(
        ctx,
        request,
        "risk.limits",
        request.params.id,
        async (r, approver) => {
          const limits = riskLimitsSchema.parse(r.payload.limits);
          return setLimits(limits, Number(r.payload.expectedVersion), approver);
        },
      );
      await ctx.audit(request, {
        actor: req.decidedBy as string,
        action: "risk.limits.changed",
        outcome: "success",
        detail: {
          requestId: req.id,
          requestedBy: req.requestedBy,
          after: riskLimitsToWire(next.limits),
          version: next.version,
        },
      });
      return { request: req, version: next.version, limits: riskLimitsToWire(next.limits) };
    },
  );
}
