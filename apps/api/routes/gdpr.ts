// The directory's schemas (apps/identity) are zod 3: what it throws is zod 3's ZodError, not zod/v4's.
import { ZodError } from "zod";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod/v4";
import { lockKeys } from "../../identity/index.ts";
import { ModeRequests } from "../mode-requests.ts";
import { ProblemError } from "../problem.ts";
import { fields, problemResponses, type RouteDeps } from "./deps.ts";
import { auditRecord, modeSwitchRequest } from "./shapes.ts";

/** What an access request exports: everything held about the subject. */
const accessExport = z.object({
  subject: z.string(),
  right: z.literal("access"),
  generatedAt: z.string(),
  data: z.object({
    account: z.object({
      id: z.string(),
      email: z.string().nullable(),
      role: fields.role,
      createdAt: z.string(),
      disabled: z.boolean(),
      erased: z.boolean(),
      mfaEnrolled: z.boolean(),
      externalIdentity: z.boolean(),
    }),
    activeSessions: z.int(),
    auditEvents: z.array(auditRecord),
    modeSwitchRequests: z.array(modeSwitchRequest),
  }),
});

const completed = z.object({
  subject: z.string(),
  right: z.enum(["erasure", "rectification"]),
  completedAt: z.string(),
  kept: z.string().optional().describe("what erasure keeps, under the pseudonymous id"),
});

export function registerGdprRoutes(fastify: FastifyInstance, { ctx, guard }: RouteDeps): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const modeRequests = new ModeRequests(ctx.pool);

  app.post(
    "/gdpr/subject-rights",
    {
      ...guard.route("gdpr.request", { freshMfa: true }),
      schema: {
        tags: ["gdpr"],
        security: [{ bearer: [] }],
        description:
          "subject is a user id or an email. access exports everything held; erasure shreds personal data (the " +
          "subject key is destroyed) and keeps financial and audit records under the pseudonymous user id; " +
          "rectification replaces the email.",
        body: z.strictObject({
          subject: z.union([fields.uuid, fields.email]).describe("a user id or an email"),
          right: z.enum(["access", "erasure", "rectification"]),
          email: fields.email.optional().describe("rectification: the corrected address"),
        }),
        response: { 200: z.union([accessExport, completed]), ...problemResponses },
      },
    },
    async (request) => {
      const officer = request.principal?.userId as string;
      const { subject, right, email } = request.body;
      const user = subject.includes("@") ? await ctx.users.findByEmail(subject) : await ctx.users.findById(subject);
      if (!user) throw new ProblemError(404, "not-found", "no data subject matches");
      const now = ctx.clock();
      const record = (outcome: "success" | "denied", detail: Record<string, string | boolean>) =>
        ctx.audit(request, { actor: officer, action: `gdpr.${right}`, outcome, subject: user.id, detail });

      if (right === "access") {
        const audit = [];
        for (let after = 0; ;) {
          const page = await ctx.ledger.list({ subject: user.id, after, limit: 1000 });
          audit.push(...page);
          if (page.length < 1000) break;
          after = page.at(-1)?.seq ?? after;
        }
        const sessions = await ctx.sessions.countForUser(user.id);
        await record("success", { exported: true });
        return {
          subject: user.id,
          right,
          generatedAt: now.toISOString(),
          data: {
            account: {
              id: user.id,
              email: user.email,
              role: user.role,
              createdAt: user.createdAt,
              disabled: user.disabled,
              erased: user.erased,
              mfaEnrolled: user.totpSecret !== null,
              externalIdentity: user.externalSubject !== null,
            },
            activeSessions: sessions,
            auditEvents: audit,
            modeSwitchRequests: await modeRequests.listByUser(user.id),
          },
        };
      }
      if (right === "erasure") {
        await ctx.sessions.revokeAllForUser(user.id);
        await ctx.sessionCache.revoked(`user:${user.id}`);
        await ctx.users.erase(user.id, now);
        // The lockout counters of the account and of its address go too: the address's counter is keyed by its
        // blind index, which would otherwise link the address to the erased account for the rest of its window.
        await ctx.lockout.clear(lockKeys.user(user.id));
        if (user.email !== null) await ctx.lockout.clear(lockKeys.email(ctx.users.emailIndex(user.email)));
        await record("success", { keyDestroyed: true });
        return {
          subject: user.id,
          right,
          completedAt: now.toISOString(),
          kept: "audit and financial records under the pseudonymous id, for their retention period",
        };
      }
      if (email === undefined) {
        throw new ProblemError(400, "validation", "rectification needs email: the corrected address");
      }
      if (user.erased) throw new ProblemError(409, "erased", "the subject has been erased");
      try {
        await ctx.users.rectifyEmail(user.id, email);
      } catch (err) {
        if (err instanceof ZodError) throw new ProblemError(400, "validation", "email is not a valid address");
        if ((err as { code?: string }).code === "23505")
          throw new ProblemError(409, "user-exists", "that email belongs to another user");
        throw err;
      }
      await record("success", { field: "email" });
      return { subject: user.id, right, completedAt: now.toISOString() };
    },
  );
}
