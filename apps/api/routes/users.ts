// The directory's schemas (apps/identity) are zod 3: what it throws is zod 3's ZodError, not zod/v4's.
import { ZodError } from "zod";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod/v4";
import { isPrivilegedRole, totpUri, UserExists, type Role } from "../../identity/index.ts";
import { decideApproval } from "../approval-flow.ts";
import { ApprovalRequests } from "../approvals.ts";
import type { ApiContext } from "../context.ts";
import { ProblemError } from "../problem.ts";
import { endUserSessions } from "../user-sessions.ts";
import { fields, idParams, noBody, problemResponses, type RouteDeps } from "./deps.ts";
import { approvalRequest } from "./shapes.ts";

/** A role change ends the account's sessions, so no access token keeps the old role for its remaining minutes. */
async function applyRole(ctx: ApiContext, userId: string, role: Role, grantedBy: string | null): Promise<void> {
  await ctx.users.setRole(userId, role, grantedBy);
  await endUserSessions(ctx, userId);
}

export function registerUserRoutes(fastify: FastifyInstance, { ctx, guard }: RouteDeps): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const approvals = new ApprovalRequests(ctx.pool);

  /**
   * Asks for a role. A role that can approve, switch or change limits waits for a second admin (the account keeps
   * its current role meanwhile); any other role applies at once.
   */
  async function requestRole(actor: string, userId: string, role: Role) {
    if (!isPrivilegedRole(role)) {
      await applyRole(ctx, userId, role, null);
      return null;
    }
    return approvals.create("role.grant", userId, { role }, actor, ctx.clock());
  }

  // Enrolment through the API: the new user's initial TOTP secret is returned once, here, and never again. The
  // creator sees it, so the account must enrol a secret of its own (POST /auth/totp/enroll) before it may approve.
  app.post(
    "/users",
    {
      ...guard.route("users.create", { freshMfa: true }),
      schema: {
        tags: ["users"],
        security: [{ bearer: [] }],
        description:
          "A privileged role (one that can approve, switch the mode or change limits) is not granted here: the " +
          "account starts as viewer and pendingGrant names the request a second admin approves.",
        body: z.strictObject({ email: fields.email, role: fields.role, password: fields.newPassword }),
        response: {
          201: z.object({
            id: z.string(),
            email: z.string().nullable(),
            role: fields.role,
            totpSecret: z.string().describe("shown once, here; the account must enrol its own before it approves"),
            totpUri: z.string(),
            pendingGrant: z.object({ id: z.string(), role: fields.role, expiresAt: z.string() }).optional(),
          }),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const actor = request.principal?.userId as string;
      const wanted = request.body.role;
      const privileged = isPrivilegedRole(wanted);
      let created;
      try {
        created = await ctx.users.create({ ...request.body, role: privileged ? "viewer" : wanted, createdBy: actor });
      } catch (err) {
        if (err instanceof UserExists) throw new ProblemError(409, "user-exists", err.message);
        if (err instanceof ZodError) throw new ProblemError(400, "validation", "email is not a valid address");
        throw err;
      }
      const grant = privileged ? await requestRole(actor, created.user.id, wanted) : null;
      await ctx.audit(request, {
        actor,
        action: "users.create",
        outcome: "success",
        subject: created.user.id,
        detail: { userId: created.user.id, role: created.user.role, pendingGrant: grant?.id ?? null },
      });
      const secret = created.totpSecret as string;
      return reply.code(201).send({
        id: created.user.id,
        email: created.user.email,
        role: created.user.role,
        totpSecret: secret,
        totpUri: totpUri(secret, created.user.email ?? created.user.id),
        ...(grant ? { pendingGrant: { id: grant.id, role: wanted, expiresAt: grant.expiresAt } } : {}),
      });
    },
  );

  app.post(
    "/users/:id/role",
    {
      ...guard.route("users.create", { freshMfa: true }),
      schema: {
        tags: ["users"],
        security: [{ bearer: [] }],
        description: "Change a user's role: 202 with a grant request for privileged roles, 200 otherwise.",
        params: idParams,
        body: z.strictObject({ role: fields.role }),
        response: { 200: z.object({ id: z.string(), role: fields.role }), 202: approvalRequest, ...problemResponses },
      },
    },
    async (request, reply) => {
      const actor = request.principal?.userId as string;
      const user = await ctx.users.findById(request.params.id);
      if (!user || user.erased) throw new ProblemError(404, "not-found", "no such user");
      if (user.disabled) throw new ProblemError(409, "user-disabled", "the account is disabled");
      if (user.externalSubject !== null)
        throw new ProblemError(409, "externally-managed", "this user's role comes from the identity provider");
      const { role } = request.body;
      const grant = await requestRole(actor, user.id, role);
      await ctx.audit(request, {
        actor,
        action: grant ? "role.grant.requested" : "users.role.changed",
        outcome: "success",
        subject: user.id,
        detail: { userId: user.id, from: user.role, to: role, requestId: grant?.id ?? null },
      });
      if (grant) return reply.code(202).send(grant);
      return { id: user.id, role };
    },
  );

  app.post(
    "/users/grants/:id/approve",
    {
      ...guard.route("users.create", { freshMfa: true }),
      preValidation: noBody.preValidation,
      schema: {
        tags: ["users"],
        security: [{ bearer: [] }],
        description: "A second admin (not the requester, not created or promoted by them) grants the role.",
        params: idParams,
        body: noBody.schema,
        response: { 200: approvalRequest, ...problemResponses },
      },
    },
    async (request) => {
      const { request: req } = await decideApproval(ctx, request, "role.grant", request.params.id, async (r) => {
        const role = r.payload.role as Role;
        const subject = await ctx.users.findById(r.subject as string);
        if (!subject || subject.disabled)
          throw new ProblemError(409, "user-disabled", "a disabled account is granted nothing");
        await applyRole(ctx, r.subject as string, role, r.requestedBy);
      });
      await ctx.audit(request, {
        actor: req.decidedBy as string,
        action: "role.grant",
        outcome: "success",
        subject: req.subject,
        detail: { requestId: req.id, requestedBy: req.requestedBy, role: req.payload.role ?? null },
      });
      return req;
    },
  );
}
