import type { FastifyInstance } from "fastify";
import { verifyLedger } from "../../audit/index.ts";
import { problemResponses, type RouteDeps } from "./deps.ts";

const verification = {
  type: "object",
  required: ["ok", "rows", "anchor", "anchorRejected", "elapsedMs", "checkedAt"],
  properties: {
    ok: { type: "boolean" },
    rows: { type: "integer" },
    head: { type: "string" },
    firstBroken: {
      type: "object",
      properties: { seq: { type: "integer" }, reason: { type: "string" } },
    },
    anchor: {
      type: ["object", "null"],
      properties: { seq: { type: "integer" }, at: { type: "string" } },
    },
    anchorRejected: { type: ["string", "null"] },
    elapsedMs: { type: "integer" },
    checkedAt: { type: "string" },
  },
} as const;

/**
 * GET /compliance/audit/verify: the ledger's verification status for the console's audit page, computed by the
 * same function as `orion audit verify` (every row's link and hash, then the newest signed anchor). A broken chain
 * is a finding, answered 200 with ok false, not an error.
 */
export function registerAuditVerifyRoute(app: FastifyInstance, { ctx, guard }: RouteDeps): void {
  app.get(
    "/compliance/audit/verify",
    {
      ...guard.route("audit.read"),
      schema: {
        tags: ["compliance"],
        security: [{ bearer: [] }],
        description:
          "Walks the hash chain and checks it against the newest signed anchor (as orion audit verify does).",
        response: { 200: verification, ...problemResponses },
      },
    },
    async (request) => {
      const result = await verifyLedger(ctx.pool, ctx.anchors, ctx.clock());
      await ctx.audit(request, {
        actor: request.principal?.userId as string,
        action: "compliance.audit.verify",
        outcome: "success",
        detail: {
          ok: result.ok,
          rows: result.rows,
          finding:
            result.anchorRejected !== null
              ? "anchor rejected"
              : result.ok
                ? null
                : `row ${result.firstBroken.seq}: ${result.firstBroken.reason}`,
        },
      });
      return result;
    },
  );
}
