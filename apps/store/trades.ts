import type pg from "pg";
import type { ExecutionRouteKind, FlashSource, Mode, PoolProtocol, TradeStatus } from "../domain/index.ts";
import { toBig } from "./db.ts";

export interface TradeRow {
  id: string;
  opportunityId: string;
  mode: Mode;
  epoch: number;
  /** The mined block for live trades, the simulation block for unsent ones, else the order's block. */
  blockNumber: number;
  txHash: string | null;
  status: TradeStatus;
  baseToken: string;
  pools: string[];
  tokens: string[];
  amountIn: bigint;
  predictedProfit: bigint;
  simulatedProfit: bigint | null;
  realizedProfit: bigint | null;
  gasUsed: bigint | null;
  gasEstimate: bigint | null;
  precededBy: number | null;
  reason: string | null;
  createdAt: Date;
  route: ExecutionRouteKind;
  /** The ERC-4337 route's user operation; null on the EOA route and for unsent trades. */
  userOpHash: string | null;
  /** Gas paid in native wei (on the ERC-4337 route what the paymaster paid); null unless mined. */
  gasCostWei: bigint | null;
  /** Where the capital came from; null when no source could fund it, or for rows from before lenders. */
  flashSource: FlashSource | null;
  /** Each pool's protocol; null: all Uniswap-V2. */
  protocols: PoolProtocol[] | null;
}

interface Row {
  id: string;
  opportunity_id: string;
  mode: Mode;
  epoch: number;
  block_number: string;
  tx_hash: string | null;
  status: TradeStatus;
  base_token: string;
  pools: string[];
  tokens: string[];
  amount_in: string;
  predicted_profit: string;
  simulated_profit: string | null;
  realized_profit: string | null;
  gas_used: string | null;
  gas_estimate: string | null;
  preceded_by: number | null;
  reason: string | null;
  created_at: Date;
  route: ExecutionRouteKind;
  user_op_hash: string | null;
  gas_cost_wei: string | null;
  flash_source: FlashSource | null;
  protocols: PoolProtocol[] | null;
}

/** Trades of one mode and epoch created at or after `since`, oldest first: the rows of a session report. */
export async function listTrades(pool: pg.Pool, mode: Mode, epoch: number, since: Date): Promise<TradeRow[]> {
  const { rows } = await pool.query<Row>(
    `SELECT id, opportunity_id, mode, epoch, coalesce(block_number, order_block) AS block_number, tx_hash, status,
       base_token, pools, tokens, amount_in, predicted_profit, simulated_profit, realized_profit, gas_used,
       gas_estimate, preceded_by, reason, created_at, route, user_op_hash, flash_source, protocols,
       gas_used * effective_gas_price + coalesce(l1_fee_wei, 0) AS gas_cost_wei
     FROM trades WHERE mode = $1 AND epoch = $2 AND created_at >= $3 ORDER BY created_at, id`,
    [mode, epoch, since],
  );
  return rows.map((r) => ({
    id: r.id,
    opportunityId: r.opportunity_id,
    mode: r.mode,
    epoch: r.epoch,
    blockNumber: Number(r.block_number),
    txHash: r.tx_hash,
    status: r.status,
    baseToken: r.base_token,
    pools: r.pools,
    tokens: r.tokens,
    amountIn: BigInt(r.amount_in),
    predictedProfit: BigInt(r.predicted_profit),
    simulatedProfit: toBig(r.simulated_profit),
    realizedProfit: toBig(r.realized_profit),
    gasUsed: toBig(r.gas_used),
    gasEstimate: toBig(r.gas_estimate),
    precededBy: r.preceded_by,
    reason: r.reason,
    createdAt: r.created_at,
    route: r.route,
    userOpHash: r.user_op_hash,
    gasCostWei: toBig(r.gas_cost_wei),
    flashSource: r.flash_source,
    protocols: r.protocols,
  }));
}

/** How many trades of one mode and epoch stand in each status: the count columns of pnl_by_epoch. */
export interface TradeCounts {
  confirmed: number;
  reverted: number;
  dropped: number;
  simulated: number;
  rejected: number;
  inFlight: number;
}

/** Reads the count columns of a pnl_by_epoch row; no row (an epoch with no trades) reads as zeros. */
export function tradeCounts(r: { [column: string]: string | null | undefined } | undefined): TradeCounts {
  const n = (k: string) => Number(r?.[k] ?? 0);
  return {
    confirmed: n("confirmed"),
    reverted: n("reverted"),
    dropped: n("dropped"),
    simulated: n("simulated"),
    rejected: n("rejected"),
    inFlight: n("in_flight"),
  };
}

export interface EpochPnl extends TradeCounts {
  mode: Mode;
  epoch: number;
  realizedProfit: bigint;
  predictedProfitConfirmed: bigint;
  simulatedProfit: bigint;
  gasUsed: bigint;
  /** Gas paid in native wei: each trade's gas used at its effective price, plus L1 data fees (on the ERC-4337
   * route the paymaster's actualGasCost, which is actualGasUsed times the price the EntryPoint charged). */
  gasCostWei: bigint;
}

/** P&L of one mode and epoch; an epoch with no trades reads as zeros, never as the previous epoch's figures. */
export async function pnl(pool: pg.Pool, mode: Mode, epoch: number): Promise<EpochPnl> {
  const { rows } = await pool.query<Record<string, string>>(
    "SELECT * FROM pnl_by_epoch WHERE mode = $1 AND epoch = $2",
    [mode, epoch],
  );
  const r = rows[0];
  const b = (k: string) => BigInt(r?.[k] ?? 0);
  return {
    mode,
    epoch,
    ...tradeCounts(r),
    realizedProfit: b("realized_profit"),
    predictedProfitConfirmed: b("predicted_profit_confirmed"),
    simulatedProfit: b("simulated_profit"),
    gasUsed: b("gas_used"),
    gasCostWei: b("gas_cost_wei"),
  };
}
