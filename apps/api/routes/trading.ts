import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod/v4";
import { ProblemError } from "../problem.ts";
import { decodeCursor, listOpportunities, listTrades, pnlByEpoch, type ListFilter } from "../trading-read.ts";
import { fields, instant, pageLimit, pageOf, pageQuery, problemResponses, type RouteDeps } from "./deps.ts";
import { epochPnl, opportunity, trade } from "./shapes.ts";

const filterQuery = z.strictObject({
  mode: fields.mode.optional(),
  epoch: fields.epoch.optional(),
  from: fields.instant.optional().describe("from this instant (inclusive)"),
  to: fields.instant.optional().describe("up to this instant (exclusive)"),
  status: z
    .string()
    .regex(/^[a-z_-]{1,40}$/, "must be a status name")
    .optional(),
  baseToken: fields.address.optional(),
  ...pageQuery,
});
type ListQuery = z.output<typeof filterQuery>;

function toFilter(q: ListQuery): ListFilter {
  const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  if (after === null) throw new ProblemError(400, "validation", "cursor is not one this API issued");
  return {
    mode: q.mode,
    epoch: q.epoch === undefined ? undefined : Number(q.epoch),
    from: instant("from", q.from),
    to: instant("to", q.to),
    status: q.status,
    baseToken: q.baseToken,
    after,
    limit: pageLimit(q.limit),
  };
}

export function registerTradingRoutes(fastify: FastifyInstance, { ctx, guard }: RouteDeps): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const common = { tags: ["trading"], security: [{ bearer: [] }] };

  app.get(
    "/opportunities",
    {
      ...guard.route("trading.read"),
      schema: { ...common, querystring: filterQuery, response: { 200: pageOf(opportunity), ...problemResponses } },
    },
    async (request) => listOpportunities(ctx.pool, toFilter(request.query)),
  );

  app.get(
    "/trades",
    {
      ...guard.route("trading.read"),
      schema: { ...common, querystring: filterQuery, response: { 200: pageOf(trade), ...problemResponses } },
    },
    async (request) => listTrades(ctx.pool, toFilter(request.query)),
  );

  app.get(
    "/pnl",
    {
      ...guard.route("trading.read"),
      schema: {
        ...common,
        description: "P&L per mode and epoch: each epoch starts at zero, sim and live never mix.",
        querystring: z.strictObject({ mode: fields.mode.optional(), epoch: fields.epoch.optional() }),
        response: { 200: z.object({ items: z.array(epochPnl) }), ...problemResponses },
      },
    },
    async (request) => ({
      items: await pnlByEpoch(ctx.pool, {
        mode: request.query.mode,
        epoch: request.query.epoch === undefined ? undefined : Number(request.query.epoch),
      }),
    }),
  );
}
