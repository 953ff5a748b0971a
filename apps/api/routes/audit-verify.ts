import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod/v4";
import { verifyLedger } from "../../audit/index.ts";
import { problemResponses, type RouteDeps } from "./deps.ts";

const verification = z.object({
  ok: z.boolean(),
  rows: z.int(),
  head: z.string().optional().describe("hash of the newest row, when the chain holds"),
  firstBroken: z
    .object({ seq: z.int(), reason: z.string() })
    .optional()
    .describe("the first row that differs, when it does not"),
  anchor: z.object({ seq: z.int(), at: z.string() }).nullable(),
  anchorRejected: z.string().nullable(),
  elapsedMs: z.int(),
  checkedAt: z.string(),
});

/**
 * GET /compliance/audit/verify: the ledger's verification status for the console's audit page, computed by the
 * same function as `orion audit verify` (every row's link and hash, then the newest signed anchor). A broken chain
 * is a finding, answered 200 with ok false, not an error.
 */
export function registerAuditVerifyRoute(fastify: FastifyInstance, { ctx, guard }: RouteDeps): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
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
