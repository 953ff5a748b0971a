import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod/v4";
import type { Registry } from "prom-client";
import type { ApiContext } from "../context.ts";
import { ProblemError } from "../problem.ts";
import { problemResponses } from "./deps.ts";

/** Probes for the platform, not API operations: kept out of the OpenAPI document. */
export function registerHealthRoutes(fastify: FastifyInstance, ctx: ApiContext, registry: Registry): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  // Liveness: the process serves requests. Nothing external is checked, so a database outage does not restart pods.
  app.get(
    "/healthz",
    { schema: { hide: true, response: { 200: z.object({ status: z.literal("ok") }), ...problemResponses } } },
    async () => ({ status: "ok" as const }),
  );

  // Readiness: every dependency a request needs answers. The mode must be readable (safety invariant 2).
  const ready = { hide: true, response: { 200: z.object({ status: z.literal("ready") }), ...problemResponses } };
  app.get("/readyz", { schema: ready }, async () => {
    const failed: string[] = [];
    await Promise.all([
      ctx.pool.query("SELECT 1").catch(() => failed.push("database")),
      ctx.state.ping().catch(() => failed.push(ctx.state.backend === "redis" ? "redis" : "session-store")),
      ctx.control.read().catch(() => failed.push("control-store")),
    ]);
    if (failed.length > 0) throw new ProblemError(503, "not-ready", `unavailable: ${failed.sort().join(", ")}`);
    return { status: "ready" as const };
  });

  app.get("/metrics", { schema: { hide: true } }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
}
