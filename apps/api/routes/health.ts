import type { FastifyInstance } from "fastify";
import type { Registry } from "prom-client";
import type { ApiContext } from "../context.ts";
import { ProblemError } from "../problem.ts";

export function registerHealthRoutes(app: FastifyInstance, ctx: ApiContext, registry: Registry): void {
  // Liveness: the process serves requests. Nothing external is checked, so a database outage does not restart pods.
  app.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));

  // Readiness: every dependency a request needs answers. The mode must be readable (safety invariant 2).
  app.get("/readyz", { schema: { hide: true } }, async () => {
    const failed: string[] = [];
    await Promise.all([
      ctx.pool.query("SELECT 1").catch(() => failed.push("database")),
      ctx.state.ping().catch(() => failed.push(ctx.state.backend === "redis" ? "redis" : "session-store")),
      ctx.control.read().catch(() => failed.push("control-store")),
    ]);
    if (failed.length > 0) throw new ProblemError(503, "not-ready", `unavailable: ${failed.sort().join(", ")}`);
    return { status: "ready" };
  });

  app.get("/metrics", { schema: { hide: true } }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
}
