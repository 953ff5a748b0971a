import { ZodError } from "zod";
import type { FastifyInstance } from "fastify";
import { isPrivilegedRole, ROLES, totpUri, UserExists, type Role } from "../../identity/index.ts";
import { decideApproval } from "../approval-flow.ts";
import { ApprovalRequests } from "../approvals.ts";
import type { ApiContext } from "../context.ts";
import { ProblemError } from "../problem.ts";
import { endUserSessions } from "../user-sessions.ts";
import { fields, idParams, problemResponses, type RouteDeps } from "./deps.ts";

const roleField = { type: "string", enum: [...ROLES] } as const;
/** A role change ends the account's sessions, so no access token keeps the old role for its remaining minutes. */
async function applyRole(ctx: ApiContext, userId: string, role: Role, grantedBy: string | null): Promise<void> {
  await ctx.users.setRole(userId, role, grantedBy);
  await endUserSessions(ctx, userId);
}

export function registerUserRoutes(app: FastifyInstance, { ctx, guard }: RouteDeps): void {
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
  app.post<{ Body: { email: string; role: Role; password: string } }>(
    "/users",
    {
      ...guard.route("users.create", { freshMfa: true }),
      schema: {
        tags: ["users"],
        security: [{ bearer: [] }],
        description:
          "A privileged role (one that can approve, switch the mode or change limits) is not granted here: the " +
          "account starts as viewer and pendingGrant names the request a second admin approves.",
        body: {
          type: "object",
          additionalProperties: false,
          required: ["email", "role", "password"],
          properties: { email: fields.email, role: roleField, password: { ...fields.password, minLength: 12 } },
        },
        response: {
          201: {
            type: "object",
            properties: {
              id: { type: "string" },
              email: { type: "string" },
              role: { type: "string" },
              totpSecret: { type: "string" },
              totpUri: { type: "string" },
              pendingGrant: {
                type: "object",
                properties: { id: { type: "string" }, role: { type: "string" }, expiresAt: { type: "string" } },
              },
            },
          },
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

  app.post<{ Params: { id: string }; Body: { role: Role } }>(
    "/users/:id/role",
    {
      ...guard.route("users.create", { freshMfa: true }),
      schema: {
        tags: ["users"],
        security: [{ bearer: [] }],
        description: "Change a user's role: 202 with a grant request for privileged roles, 200 otherwise.",
        params: idParams,
        body: { type: "object", additionalProperties: false, required: ["role"], properties: { role: roleField } },
        response: problemResponses,
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

  app.post<{ Params: { id: string } }>(
    "/users/grants/:id/approve",
    {
      ...guard.route("users.create", { freshMfa: true }),
      schema: {
        tags: ["users"],
        security: [{ bearer: [] }],
        description: "A second admin (not the requester, not created or promoted by them) grants the role.",
        params: idParams,
        response: problemResponses,
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
