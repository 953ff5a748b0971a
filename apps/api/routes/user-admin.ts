import type { FastifyInstance } from "fastify";
import { ApprovalRequests } from "../approvals.ts";
import { ProblemError } from "../problem.ts";
import { endUserSessions } from "../user-sessions.ts";
import { fields, idParams, pageLimit, pageQuery, problemResponses, type RouteDeps } from "./deps.ts";

const userItem = {
  type: "object",
  properties: {
    id: { type: "string" },
    email: { type: ["string", "null"] },
    role: { type: "string" },
    status: { type: "string", enum: ["active", "disabled", "erased"] },
    createdAt: { type: "string" },
    createdBy: { type: ["string", "null"] },
    external: { type: "boolean" },
    totpEnrolled: { type: "boolean" },
  },
} as const;

/** Why a disable was refused, by the directory's outcome. */
const REFUSED = {
  "not-found": [404, "not-found", "no such user"],
  "already-disabled": [409, "already-disabled", "the account is already disabled"],
  "last-admin": [409, "last-admin", "the last active admin cannot be disabled: make another admin first"],
} as const;

/**
 * The users page's routes: the account list, disabling an account, and the role grants waiting for a second admin.
 * Creating accounts, changing roles and approving grants are in users.ts.
 */
export function registerUserAdminRoutes(app: FastifyInstance, { ctx, guard }: RouteDeps): void {
  const approvals = new ApprovalRequests(ctx.pool);

  app.get<{ Querystring: { cursor?: string; limit?: string } }>(
    "/users",
    {
      ...guard.route("users.read"),
      schema: {
        tags: ["users"],
        security: [{ bearer: [] }],
        description: "Accounts in creation order. Emails are personal data: the read is audited.",
        querystring: { type: "object", additionalProperties: false, properties: pageQuery },
        response: {
          200: {
            type: "object",
            properties: { items: { type: "array", items: userItem }, nextCursor: { type: ["string", "null"] } },
          },
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const { cursor } = request.query;
      if (cursor !== undefined && !/^[0-9a-f-]{36}$/.test(cursor))
        throw new ProblemError(400, "validation", "cursor is not one this API issued");
      const limit = pageLimit(request.query.limit);
      const users = await ctx.users.list({ ...(cursor ? { after: cursor } : {}), limit });
      await ctx.audit(request, {
        actor: request.principal?.userId as string,
        action: "users.list",
        outcome: "success",
        detail: { rows: users.length },
      });
      return {
        items: users.map((u) => ({
          id: u.id,
          email: u.email,
          role: u.role,
          status: u.erased ? "erased" : u.disabled ? "disabled" : "active",
          createdAt: u.createdAt,
          createdBy: u.createdBy,
          external: u.externalSubject !== null,
          totpEnrolled: u.totpEnrolled,
        })),
        nextCursor: users.length === limit ? (users.at(-1)?.id ?? null) : null,
      };
    },
  );

  app.get(
    "/users/grants",
    {
      ...guard.route("users.read"),
      schema: {
        tags: ["users"],
        security: [{ bearer: [] }],
        description: "Privileged role grants waiting for a second admin (POST /users/grants/{id}/approve).",
        response: problemResponses,
      },
    },
    async () => ({ items: await approvals.listPending("role.grant", ctx.clock()) }),
  );

  app.post<{ Params: { id: string }; Body: { reason: string } }>(
    "/users/:id/disable",
    {
      ...guard.route("users.disable", { freshMfa: true }),
      schema: {
        tags: ["users"],
        security: [{ bearer: [] }],
        description:
          "Disables an account and ends its sessions everywhere. Nobody disables themselves, and the last active " +
          "admin stays.",
        params: idParams,
        body: {
          type: "object",
          additionalProperties: false,
          required: ["reason"],
          properties: { reason: fields.reason },
        },
        response: problemResponses,
      },
    },
    async (request) => {
      const actor = request.principal?.userId as string;
      const { id } = request.params;
      if (id === actor) throw new ProblemError(409, "self", "nobody disables their own account: ask another admin");
      const outcome = await ctx.users.disable(id, ctx.clock());
      if (outcome !== "disabled") {
        const [status, slug, detail] = REFUSED[outcome];
        throw new ProblemError(status, slug, detail);
      }
      await endUserSessions(ctx, id);
      await ctx.audit(request, {
        actor,
        action: "users.disabled",
        outcome: "success",
        subject: id,
        detail: { userId: id, reason: request.body.reason },
      });
      return { id, status: "disabled" };
    },
  );
}
