import { ZodError } from "zod";
import type { FastifyInstance } from "fastify";
import { ROLES, totpUri, UserExists, type Role } from "../../identity/index.ts";
import { ProblemError } from "../problem.ts";
import { fields, problemResponses, type RouteDeps } from "./deps.ts";

export function registerUserRoutes(app: FastifyInstance, { ctx, guard }: RouteDeps): void {
  // Enrolment through the API: the new user's TOTP secret is returned once, here, and never again.
  app.post<{ Body: { email: string; role: Role; password: string } }>(
    "/users",
    {
      ...guard.route("users.create", { freshMfa: true }),
      schema: {
        tags: ["users"],
        security: [{ bearer: [] }],
        body: {
          type: "object",
          additionalProperties: false,
          required: ["email", "role", "password"],
          properties: {
            email: fields.email,
            role: { type: "string", enum: [...ROLES] },
            password: { ...fields.password, minLength: 12 },
          },
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
            },
          },
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const actor = request.principal?.userId ?? "anonymous";
      let created;
      try {
        created = await ctx.users.create(request.body);
      } catch (err) {
        if (err instanceof UserExists) throw new ProblemError(409, "user-exists", err.message);
        if (err instanceof ZodError) throw new ProblemError(400, "validation", "email is not a valid address");
        throw err;
      }
      await ctx.audit(request, {
        actor,
        action: "users.create",
        outcome: "success",
        subject: created.user.id,
        detail: { userId: created.user.id, role: created.user.role },
      });
      const secret = created.totpSecret as string;
      return reply.code(201).send({
        id: created.user.id,
        email: created.user.email,
        role: created.user.role,
        totpSecret: secret,
        totpUri: totpUri(secret, created.user.email ?? created.user.id),
      });
    },
  );
}
