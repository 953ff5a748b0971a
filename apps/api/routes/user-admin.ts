import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod/v4";
import { ApprovalRequests } from "../approvals.ts";
import { ProblemError } from "../problem.ts";
import { endUserSessions } from "../user-sessions.ts";
import { fields, idParams, pageLimit, pageOf, pageQuery, problemResponses, type RouteDeps } from "./deps.ts";
import { approvalRequest } from "./shapes.ts";

const userItem = z.object({
  id: z.string(),
  email: z.string().nullable(),
  role: fields.role,
  status: z.enum(["active", "disabled", "erased"]),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  external: z.boolean(),
  totpEnrolled: z.boolean(),
});

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
export function registerUserAdminRoutes(fastify: FastifyInstance, { ctx, guard }: RouteDeps): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const approvals = new ApprovalRequests(ctx.pool);

  app.get(
    "/users",
    {
      ...guard.route("users.read"),
      schema: {
        tags: ["users"],
        security: [{ bearer: [] }],
        description: "Accounts in creation order. Emails are personal data: the read is audited.",
        querystring: z.strictObject(pageQuery),
        response: { 200: pageOf(userItem), ...problemResponses },
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
          status: u.erased ? ("erased" as const) : u.disabled ? ("disabled" as const) : ("active" as const),
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
        response: { 200: z.object({ items: z.array(approvalRequest) }), ...problemResponses },
      },
    },
    async () => ({ items: await approvals.listPending("role.grant", ctx.clock()) }),
  );

  app.post(
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
        body: z.strictObject({ reason: fields.reason }),
        response: { 200: z.object({ id: z.string(), status: z.literal("disabled") }), ...problemResponses },
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
      return { id, status: "disabled" as const };
    },
  );
}
