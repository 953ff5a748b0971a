import type { OutgoingHttpHeaders } from "node:http";
import type { FastifyInstance } from "fastify";
import { Gauge, type Registry } from "prom-client";
import { z } from "zod/v4";
import type { ControlState } from "../../control/index.ts";
import { ModeRequests } from "../mode-requests.ts";
import { epochMetrics } from "../trading-read.ts";
import { problemResponses, type RouteDeps } from "../routes/deps.ts";
import { controlStateView, epochMetrics as epochMetricsShape, modeSwitchRequest } from "../routes/shapes.ts";

/** The control state is checked this often (it is cached and invalidated by the store's pub/sub). */
const CONTROL_TICK_MS = 1000;
/** Figures, health and pending requests are pushed this often by default, and at once after a control change. */
const OVERVIEW_REFRESH_MS = 5000;
/** The health checks an operator sees on the overview (the rest of the preflight is for mode switches). */
const HEALTH = ["rpc", "database", "bus", "signer"];

/** The data of an `overview` event; each event is written through it, as the serializer writes JSON answers. */
const overviewEvent = controlStateView.extend({
  metrics: epochMetricsShape,
  health: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string() })),
  pendingRequests: z.array(
    modeSwitchRequest.pick({ id: true, target: true, reason: true, requestedBy: true, expiresAt: true }),
  ),
});

/**
 * GET /events/overview: server-sent events for the console's overview. An `overview` event carries the mode, epoch,
 * kill switch, this epoch's figures, health and the pending mode requests; it is sent at once, after every control
 * change, and every few seconds. The stream ends when the access token expires (`expired`: the console refreshes
 * its token and reconnects), within a tick of its session being revoked (`revoked`), when the client goes away, and
 * when the server closes (so fastify's close does not wait on a console left open).
 */
export function registerOverviewEvents(
  app: FastifyInstance,
  { ctx, guard }: RouteDeps,
  registry: Registry,
  refreshMs = OVERVIEW_REFRESH_MS,
): void {
  const requests = new ModeRequests(ctx.pool);
  const everyTicks = Math.max(1, Math.ceil(refreshMs / CONTROL_TICK_MS));
  /** How each open stream is ended: its timer stopped and its response ended. */
  const open = new Set<() => void>();
  new Gauge({
    name: "orion_api_event_streams",
    help: "Open server-sent event streams (console overviews)",
    registers: [registry],
    collect() {
      this.set(open.size);
    },
  });
  app.addHook("preClose", (done) => {
    for (const end of open) end();
    done();
  });

  async function overview(state: ControlState): Promise<z.output<typeof overviewEvent>> {
    const [metrics, preflight, pending] = await Promise.all([
      epochMetrics(ctx.pool, state.mode, state.epoch),
      ctx.preflight("live"),
      requests.listPending(ctx.clock()),
    ]);
    return {
      mode: state.mode,
      epoch: state.epoch,
      since: state.since,
      version: state.version,
      killSwitch: state.killSwitch,
      metrics,
      health: preflight.checks
        .filter((c) => HEALTH.includes(c.name))
        .map((c) => ({ name: c.name, ok: c.ok, detail: c.detail })),
      pendingRequests: pending.map((r) => ({
        id: r.id,
        target: r.target,
        reason: r.reason,
        requestedBy: r.requestedBy,
        expiresAt: r.expiresAt,
      })),
    };
  }

  app.get(
    "/events/overview",
    {
      ...guard.route("mode.read"),
      schema: {
        tags: ["console"],
        security: [{ bearer: [] }],
        description:
          "Server-sent events: `overview` (the data below) at once, after every control change and every few " +
          "seconds; `unavailable` while the store cannot be read; `expired` when the access token ends the stream, " +
          "`revoked` when the session has ended.",
        produces: ["text/event-stream"],
        response: { 200: overviewEvent, ...problemResponses },
      },
    },
    async (request, reply) => {
      const claims = request.principal;
      if (!claims) return;
      reply.hijack();
      const res = reply.raw;
      // A hijacked reply writes its own head: the headers the hooks set (security, CORS) go with it.
      res.writeHead(200, {
        ...(reply.getHeaders() as OutgoingHttpHeaders),
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        "x-accel-buffering": "no",
      });
      let version = -1;
      let ticks = 0;
      let busy = false;
      let ended = false;
      // A tick still waiting on the database when the stream ends must not write after the end.
      const send = (event: string, data: unknown) => {
        if (!ended) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      const tick = async () => {
        if (busy || ended) return;
        busy = true;
        try {
          if (ctx.clock().getTime() / 1000 >= claims.expiresAt) {
            send("expired", { reason: "access token expired" });
            end();
            return;
          }
          // Revocations reach the session cache at once (pushed by every instance); otherwise this is a lookup a tick.
          if (!(await ctx.sessionCache.isActive(claims.sessionId, claims.userId))) {
            send("revoked", { reason: "the session has ended" });
            end();
            return;
          }
          const state = await ctx.controlView.read();
          if (state.version !== version || ticks % everyTicks === 0) {
            version = state.version;
            send("overview", overviewEvent.parse(await overview(state)));
          }
        } catch {
          send("unavailable", { reason: "the control store or the database cannot be read" });
        } finally {
          ticks++;
          busy = false;
        }
      };
      const timer = setInterval(() => void tick(), CONTROL_TICK_MS);
      const end = () => {
        if (ended) return;
        ended = true;
        clearInterval(timer);
        open.delete(end);
        res.end();
      };
      open.add(end);
      // The response closes when the client goes away as well as after end().
      res.once("close", end);
      await tick();
    },
  );
}
