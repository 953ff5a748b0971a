import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod/v4";
import { ProblemError } from "../problem.ts";
import { MFA_FRESH_SECONDS } from "../auth-guard.ts";
import { fields, problemResponses, type RouteDeps } from "./deps.ts";
import { controlStateView } from "./shapes.ts";

export function registerKillSwitchRoutes(fastify: FastifyInstance, { ctx, guard }: RouteDeps): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.post(
    "/killswitch",
    {
      ...guard.route("killswitch.set"),
      schema: {
        tags: ["killswitch"],
        security: [{ bearer: [] }],
        description:
          "Engaging stops new orders everywhere (orchestrators watch the control store). Releasing needs a fresh second factor.",
        body: z.strictObject({ engaged: z.boolean(), reason: fields.reason }),
        response: {
          200: z.object({
            killSwitch: controlStateView.shape.killSwitch,
            version: z.int(),
            mode: fields.mode,
            epoch: z.int(),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const claims = request.principal;
      if (!claims) throw new ProblemError(401, "unauthenticated", "a bearer access token is required");
      const { engaged, reason } = request.body;
      // Stopping must never wait for a second factor; starting again must.
      if (!engaged) {
        const age = Math.floor(ctx.clock().getTime() / 1000) - (claims.mfaAt ?? -Infinity);
        if (!(age <= MFA_FRESH_SECONDS)) {
          await ctx.audit(request, {
            actor: claims.userId,
            action: "killswitch.set",
            outcome: "denied",
            subject: claims.userId,
            detail: { engaged, reason: "mfa-stale" },
          });
          throw new ProblemError(
            401,
            "mfa-required",
            "releasing the kill switch needs a fresh second factor: POST /auth/mfa",
          );
        }
      }
      let state;
      try {
        state = await ctx.control.setKillSwitch(engaged, reason, claims.userId);
        ctx.controlView.invalidate();
      } catch {
        throw new ProblemError(503, "control-store-unavailable", "the control store cannot be written; retry");
      }
      await ctx.audit(request, {
        actor: claims.userId,
        action: "killswitch.set",
        outcome: "success",
        detail: { engaged, reason, version: state.version },
      });
      return { killSwitch: state.killSwitch, version: state.version, mode: state.mode, epoch: state.epoch };
    },
  );
}
