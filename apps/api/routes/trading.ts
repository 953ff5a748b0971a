import type { FastifyInstance } from "fastify";
import type { Mode } from "../../control/index.ts";
import { ProblemError } from "../problem.ts";
import { decodeCursor, listOpportunities, listTrades, pnlByEpoch, type ListFilter } from "../trading-read.ts";
import { instant, pageLimit, pageQuery, problemResponses, type RouteDeps } from "./deps.ts";

interface ListQuery {
  mode?: Mode;
  epoch?: string;
  from?: string;
  to?: string;
  status?: string;
  baseToken?: string;
  cursor?: string;
  limit?: string;
}

const filterQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    mode: { type: "string", enum: ["sim", "live"] },
    epoch: { type: "string", pattern: "^[1-9][0-9]{0,8}$" },
    from: { type: "string", format: "date-time" },
    to: { type: "string", format: "date-time" },
    status: { type: "string", pattern: "^[a-z_-]{1,40}$" },
    baseToken: { type: "string", pattern: "^0x[0-9a-fA-F]{40}$" },
    ...pageQuery,
  },
} as const;

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

export function registerTradingRoutes(app: FastifyInstance, { ctx, guard }: RouteDeps): void {
  const common = { tags: ["trading"], security: [{ bearer: [] }], response: problemResponses };

  app.get<{ Querystring: ListQuery }>(
    "/opportunities",
    { ...guard.route("trading.read"), schema: { ...common, querystring: filterQuery } },
    async (request) => listOpportunities(ctx.pool, toFilter(request.query)),
  );

  app.get<{ Querystring: ListQuery }>(
    "/trades",
    { ...guard.route("trading.read"), schema: { ...common, querystring: filterQuery } },
    async (request) => listTrades(ctx.pool, toFilter(request.query)),
  );

  app.get<{ Querystring: { mode?: Mode; epoch?: string } }>(
    "/pnl",
    {
      ...guard.route("trading.read"),
      schema: {
        ...common,
        description: "P&L per mode and epoch: each epoch starts at zero, sim and live never mix.",
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            mode: { type: "string", enum: ["sim", "live"] },
            epoch: { type: "string", pattern: "^[1-9][0-9]{0,8}$" },
          },
        },
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
