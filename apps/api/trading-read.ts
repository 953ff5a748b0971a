import type pg from "pg";
import type { Mode } from "../control/index.ts";
import { tradeCounts, type TradeCounts } from "../store/trades.ts";
import type { EpochPnlRow, Opportunity, Trade } from "./routes/shapes.ts";

/**
 * Read model over the trading tables (apps/store migrations 001-099). Money stays exact: numeric columns are read
 * as text and returned as decimal strings of base units.
 */
export interface EpochMetrics {
  opportunities: number;
  orders: number;
  trades: TradeCounts;
  realizedProfit: string;
  simulatedProfit: string;
  gasUsed: string;
}

export async function epochMetrics(pool: pg.Pool, mode: Mode, epoch: number): Promise<EpochMetrics> {
  const { rows } = await pool.query<{
    opportunities: string;
    orders: string;
    confirmed: string | null;
    reverted: string | null;
    dropped: string | null;
    simulated: string | null;
    rejected: string | null;
    in_flight: string | null;
    realized_profit: string | null;
    simulated_profit: string | null;
    gas_used: string | null;
  }>(
    `SELECT (SELECT count(*) FROM opportunities WHERE mode = $1 AND epoch = $2)::text AS opportunities,
            (SELECT count(*) FROM orders WHERE mode = $1 AND epoch = $2)::text AS orders,
            p.confirmed::text, p.reverted::text, p.dropped::text, p.simulated::text, p.rejected::text,
            p.in_flight::text, p.realized_profit::text, p.simulated_profit::text, p.gas_used::text
       FROM (SELECT 1) one LEFT JOIN pnl_by_epoch p ON p.mode = $1 AND p.epoch = $2`,
    [mode, epoch],
  );
  const r = rows[0];
  const n = (v: string | null | undefined) => Number(v ?? 0);
  return {
    opportunities: n(r?.opportunities),
    orders: n(r?.orders),
    trades: tradeCounts(r),
    realizedProfit: r?.realized_profit ?? "0",
    simulatedProfit: r?.simulated_profit ?? "0",
    gasUsed: r?.gas_used ?? "0",
  };
}

export interface ListFilter {
  mode?: Mode;
  epoch?: number;
  from?: Date;
  to?: Date;
  status?: string;
  baseToken?: string;
  /** Keyset cursor: the sort key (microseconds since the epoch, id) of the last row of the previous page. */
  after?: { atMicros: string; id: string };
  limit: number;
}

function whereClause(f: ListFilter, timeColumn: string, idColumn: string, statusColumn: string | null) {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, ...v: unknown[]) => {
    let i = 0;
    where.push(sql.replace(/\?/g, () => `$${params.length + ++i}`));
    params.push(...v);
  };
  if (f.mode) add("mode = ?", f.mode);
  if (f.epoch !== undefined) add("epoch = ?", f.epoch);
  if (f.from) add(`${timeColumn} >= ?`, f.from);
  if (f.to) add(`${timeColumn} < ?`, f.to);
  if (f.status && statusColumn) add(`${statusColumn} = ?`, f.status);
  if (f.baseToken) add("base_token = ?", f.baseToken.toLowerCase());
  // Microseconds, not a JS Date: timestamptz is finer than milliseconds, and a truncated key would repeat rows.
  if (f.after) add(`(${micros(timeColumn)}, ${idColumn}::text) > (?::bigint, ?)`, f.after.atMicros, f.after.id);
  params.push(f.limit);
  return { sql: where.length ? `WHERE ${where.join(" AND ")}` : "", params, limitParam: `$${params.length}` };
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const micros = (column: string) => `(extract(epoch from ${column}) * 1000000)::bigint`;

/** Cursors are opaque to clients: base64url of "micros|id". */
export function encodeCursor(atMicros: string, id: string): string {
  return Buffer.from(`${atMicros}|${id}`).toString("base64url");
}

export function decodeCursor(cursor: string): { atMicros: string; id: string } | null {
  const [atMicros, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  if (!atMicros || !id || !/^[0-9]{1,18}$/.test(atMicros) || id.length > 200) return null;
  return { atMicros, id };
}

export async function listOpportunities(pool: pg.Pool, f: ListFilter): Promise<Page<Opportunity>> {
  const w = whereClause(f, "detected_at", "id", "decision");
  const { rows } = await pool.query(
    `SELECT id, mode, epoch, block_number::text AS "blockNumber", base_token AS "baseToken", pools, tokens,
            amount_in::text AS "amountIn", amount_out::text AS "amountOut", profit::text AS profit, decision,
            detected_at AS "detectedAt", ${micros("detected_at")}::text AS _key
       FROM opportunities ${w.sql} ORDER BY detected_at, id LIMIT ${w.limitParam}`,
    w.params,
  );
  return page<Opportunity>(rows, f.limit, "detectedAt");
}

export async function listTrades(pool: pg.Pool, f: ListFilter): Promise<Page<Trade>> {
  const w = whereClause(f, "created_at", "id", "status");
  const { rows } = await pool.query(
    `SELECT id::text, mode, epoch, order_block::text AS "orderBlock", block_number::text AS "blockNumber", status,
            base_token AS "baseToken", pools, tokens, amount_in::text AS "amountIn",
            predicted_profit::text AS "predictedProfit", simulated_profit::text AS "simulatedProfit",
            realized_profit::text AS "realizedProfit", gas_used::text AS "gasUsed", tx_hash AS "txHash",
            preceded_by AS "precededBy", reason, created_at AS "createdAt", ${micros("created_at")}::text AS _key
       FROM trades ${w.sql} ORDER BY created_at, id LIMIT ${w.limitParam}`,
    w.params,
  );
  return page<Trade>(rows, f.limit, "createdAt");
}

/** The rows as the API shows them (their shape is the SELECT's; the route's schema checks it as it serializes). */
function page<T>(rows: Record<string, unknown>[], limit: number, timeKey: string): Page<T> {
  const items = rows.map(({ _key, ...r }) => ({ ...r, [timeKey]: (r[timeKey] as Date).toISOString() }) as T);
  const last = rows.length === limit ? rows.at(-1) : undefined;
  return { items, nextCursor: last ? encodeCursor(String(last._key), String(last.id)) : null };
}

export async function pnlByEpoch(pool: pg.Pool, f: { mode?: Mode; epoch?: number }): Promise<EpochPnlRow[]> {
  const { rows } = await pool.query<EpochPnlRow>(
    `SELECT mode, epoch, confirmed::int, reverted::int, dropped::int, simulated::int, rejected::int,
            in_flight::int AS "inFlight", realized_profit::text AS "realizedProfit",
            predicted_profit_confirmed::text AS "predictedProfitConfirmed", simulated_profit::text AS "simulatedProfit",
            gas_used::text AS "gasUsed"
       FROM pnl_by_epoch WHERE ($1::text IS NULL OR mode = $1) AND ($2::int IS NULL OR epoch = $2)
       ORDER BY mode, epoch`,
    [f.mode ?? null, f.epoch ?? null],
  );
  return rows;
}
