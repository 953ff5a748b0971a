import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
// The report contract is a zod/v4 schema (compliance-reports.ts): its ZodError is zod/v4's.
import { z, ZodError } from "zod/v4";
import { complianceReportSchema, latestComplianceReport, recordComplianceReport } from "../compliance-reports.ts";
import { ProblemError } from "../problem.ts";
import { ReportSignatureInvalid, verifySignedReport } from "../report-trust.ts";
import { fields, instant, pageLimit, pageOf, pageQuery, problemResponses, type RouteDeps } from "./deps.ts";
import { auditRecord } from "./shapes.ts";

/** CI's signed report: a compact JWS whose payload is the report. */
const signedReport = z.strictObject({
  jws: z
    .string()
    .max(8 * 1024 * 1024)
    .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, "must be a compact JWS"),
});

const storedReport = z.object({
  id: z.int(),
  stack: z.string(),
  generatedAt: z.string(),
  receivedAt: z.string(),
  mandatory: z.int(),
  signed: z.boolean(),
  report: complianceReportSchema,
});

export function registerComplianceRoutes(fastify: FastifyInstance, { ctx, guard }: RouteDeps): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    "/compliance/audit",
    {
      ...guard.route("audit.read"),
      schema: {
        tags: ["compliance"],
        security: [{ bearer: [] }],
        description: "The audit ledger in chain order. Personal data shows only while its subject's key exists.",
        querystring: z.strictObject({
          from: fields.instant.optional(),
          to: fields.instant.optional(),
          actor: fields.actor.optional(),
          action: fields.action.optional(),
          outcome: z.enum(["success", "denied", "failure"]).optional(),
          ...pageQuery,
        }),
        response: { 200: pageOf(auditRecord), ...problemResponses },
      },
    },
    async (request) => {
      const q = request.query;
      if (q.cursor !== undefined && !/^[0-9]{1,15}$/.test(q.cursor)) {
        throw new ProblemError(400, "validation", "cursor is not one this API issued");
      }
      const limit = pageLimit(q.limit);
      const items = await ctx.ledger.list({
        from: instant("from", q.from),
        to: instant("to", q.to),
        actor: q.actor,
        action: q.action,
        outcome: q.outcome,
        after: q.cursor === undefined ? undefined : Number(q.cursor),
        limit,
      });
      // Reading the audit trail is itself audited.
      await ctx.audit(request, {
        actor: request.principal?.userId as string,
        action: "compliance.audit.read",
        outcome: "success",
        detail: { rows: items.length },
      });
      return { items, nextCursor: items.length === limit ? String(items.at(-1)?.seq) : null };
    },
  );

  app.get(
    "/compliance/report",
    {
      ...guard.route("compliance.report.read"),
      schema: {
        tags: ["compliance"],
        security: [{ bearer: [] }],
        description: "The latest policy report (orion compliance report --format json), for one stack or any.",
        querystring: z.strictObject({ stack: fields.stack.optional() }),
        response: { 200: storedReport, ...problemResponses },
      },
    },
    async (request) => {
      const latest = await latestComplianceReport(ctx.pool, request.query.stack ?? null);
      if (!latest) throw new ProblemError(404, "not-found", "no compliance report recorded for that stack");
      return latest;
    },
  );

  app.post(
    "/compliance/reports",
    {
      ...guard.route("compliance.report.write"),
      bodyLimit: 8 * 1024 * 1024,
      schema: {
        tags: ["compliance"],
        security: [{ bearer: [] }],
        description:
          "Records a report produced by `orion compliance report --format json`: as is (shown, never trusted), or " +
          'signed by CI as {"jws": "<compact JWS whose payload is the report>"}, the only kind the live pre-flight uses.',
        body: z.union([signedReport, complianceReportSchema]),
        response: {
          201: storedReport.pick({ id: true, stack: true, mandatory: true, signed: true }),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      let stored;
      try {
        const body = request.body;
        if ("jws" in body && typeof body.jws === "string") {
          // CI's signed report: the only kind the live pre-flight trusts.
          if (!ctx.reportTrust)
            throw new ProblemError(400, "no-report-key", "no CI report key is configured: set ORION_REPORT_PUBLIC_KEY");
          const report = await verifySignedReport(body.jws, ctx.reportTrust.publicKey);
          stored = await recordComplianceReport(ctx.pool, report, body.jws);
        } else {
          stored = await recordComplianceReport(ctx.pool, request.body);
        }
      } catch (err) {
        if (err instanceof ReportSignatureInvalid) throw new ProblemError(400, "bad-signature", err.message);
        if (err instanceof ZodError) {
          const issue = err.issues[0];
          throw new ProblemError(
            400,
            "validation",
            `report${issue ? `.${issue.path.join(".")}` : ""}: ${issue?.message ?? "invalid"}`,
          );
        }
        throw err;
      }
      await ctx.audit(request, {
        actor: request.principal?.userId as string,
        action: "compliance.report.recorded",
        outcome: "success",
        detail: { id: stored.id, stack: stored.stack, mandatory: stored.mandatory, signed: stored.signed },
      });
      return reply
        .code(201)
        .send({ id: stored.id, stack: stored.stack, mandatory: stored.mandatory, signed: stored.signed });
    },
  );
}
