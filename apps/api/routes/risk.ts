import type { FastifyInstance } from "fastify";
import { ZodError } from "zod";
import { riskLimitsSchema, riskLimitsToWire, VersionConflict, type RiskLimitsWire } from "../../control/index.ts";
import { ProblemError } from "../problem.ts";
import { problemResponses, type RouteDeps } from "./deps.ts";

const uint = { type: "string", pattern: "^(0|[1-9][0-9]{0,77})$" } as const;

export function registerRiskRoutes(app: FastifyInstance, { ctx, guard }: RouteDeps): void {
  app.get(
    "/risk/limits",
    {
      ...guard.route("risk.read"),
      schema: { tags: ["risk"], security: [{ bearer: [] }], response: problemResponses },
    },
    async () => {
      const s = await ctx.control.read().catch(() => {
        throw new ProblemError(503, "control-store-unavailable", "the control store cannot be read");
      });
      return { version: s.version, limits: riskLimitsToWire(s.limits) };
    },
  );

  app.put<{ Body: { expectedVersion: number; limits: RiskLimitsWire } }>(
    "/risk/limits",
    {
      ...guard.route("risk.write", { freshMfa: true }),
      schema: {
        tags: ["risk"],
        security: [{ bearer: [] }],
        description: "Amounts are decimal strings of base units. expectedVersion comes from GET /risk/limits.",
        body: {
          type: "object",
          additionalProperties: false,
          required: ["expectedVersion", "limits"],
          properties: {
            expectedVersion: { type: "integer", minimum: 1 },
            limits: {
              type: "object",
              additionalProperties: false,
              required: [
                "minProfitAfterGasWei",
                "maxAmountInPerToken",
                "defaultMaxAmountIn",
                "maxOpenExposureWei",
                "dailyLossLimitWei",
                "maxConsecutiveFailures",
              ],
              properties: {
                minProfitAfterGasWei: uint,
                maxAmountInPerToken: {
                  type: "object",
                  maxProperties: 1000,
                  propertyNames: { pattern: "^0x[0-9a-fA-F]{40}$" },
                  additionalProperties: uint,
                },
                defaultMaxAmountIn: uint,
                maxOpenExposureWei: uint,
                dailyLossLimitWei: uint,
                maxConsecutiveFailures: { type: "integer", minimum: 1, maximum: 1000 },
              },
            },
          },
        },
        response: problemResponses,
      },
    },
    async (request) => {
      const actor = request.principal?.userId as string;
      let limits;
      try {
        limits = riskLimitsSchema.parse(request.body.limits);
      } catch (err) {
        if (err instanceof ZodError)
          throw new ProblemError(400, "validation", err.issues[0]?.message ?? "invalid limits");
        throw err;
      }
      const before = await ctx.control.read();
      let next;
      try {
        next = await ctx.control.setRiskLimits(limits, request.body.expectedVersion, actor);
        ctx.controlView.invalidate();
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
}
