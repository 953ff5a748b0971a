import type pg from "pg";
import type {
  ExecutionRouteKind,
  FinalOutcome,
  FlashSource,
  InFlightTrade,
  LiveIntent,
  SettledStatus,
  TradeBase,
  TradeVerdict,
  UnsentTrade,
} from "../domain/index.ts";
import { AlreadyJournaled, UnrecordedOrder, type JournaledTrade, type TradeJournal } from "../executor/ports.ts";
import { LeaseLost } from "../executor/lease.ts";
import type { Fence } from "../executor/lease.ts";
import { fromBig, toBig } from "./db.ts";

/**
 * A second live trade on one nonce (or one user operation), or a trade id written twice: the caller must not
 * broadcast. A second trade for the same opportunity is AlreadyJournaled.
 */
export class DuplicateTrade extends Error {
  override readonly name = "DuplicateTrade";
}

/** A status change that the trade's current status does not allow, e.g. marking a confirmed trade sent. */
export class IllegalTransition extends Error {
  override readonly name = "IllegalTransition";
}

const UNIQUE_VIOLATION = "23505";
const FOREIGN_KEY_VIOLATION = "23503";
/** One trade per opportunity (migration 001's UNIQUE): a second insert is a redelivered order's. */
const ONE_TRADE_PER_OPPORTUNITY = "trades_opportunity_id_key";

interface InFlightRow {
  id: string;
  opportunity_id: string;
  mode: "live";
  epoch: number;
  order_block: string;
  base_token: string;
  pools: string[];
  tokens: string[];
  amount_in: string;
  predicted_profit: string;
  min_profit: string;
  status: "pending" | "sent";
  account: string;
  nonce: string;
  tx_hash: string | null;
  deadline_block: string | null;
  deadline_at: string | null;
  replaced_tx_hashes: string[];
  route: "eoa" | "erc4337";
  user_op_hash: string | null;
}

/** A trade row as tradeFor() reads it: in flight (then read again as listInFlight does) or settled. */
interface SettledRow {
  id: string;
  status: "pending" | "sent" | SettledStatus;
  route: ExecutionRouteKind;
  flash_source: FlashSource | null;
  tx_hash: string | null;
  user_op_hash: string | null;
  nonce: string | null;
  block_number: string | null;
  simulated_profit: string | null;
  realized_profit: string | null;
  gas_used: string | null;
  gas_cost_wei: string | null;
  preceded_by: number | null;
  reason: string | null;
  verdict: TradeVerdict | null;
  account: string | null;
}

/** The columns every trade row carries, in the order of baseParams. */
const BASE_COLUMNS =
  "id, opportunity_id, mode, epoch, order_block, base_token, pools, tokens, amount_in, predicted_profit, min_profit, " +
  "route, flash_source, protocols";
/** `$from, ..., $to`: the placeholders of a run of parameters. */
const placeholders = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `$${from + i}`).join(", ");
const BASE = placeholders(1, 14);

function baseParams(t: TradeBase): unknown[] {
  return [
    t.id,
    t.opportunityId,
    t.mode,
    t.epoch,
    t.orderBlock,
    t.baseToken.toLowerCase(),
    t.pools.map((p) => p.toLowerCase()),
    t.tokens.map((p) => p.toLowerCase()),
    t.amountIn.toString(),
    t.predictedProfit.toString(),
    t.minProfit.toString(),
    t.route ?? "eoa",
    t.flashSource ?? null,
    t.protocols ?? null,
  ];
}

/**
 * The executor's journal in PostgreSQL. Every write is one statement in autocommit, so it is durable (synchronous
 * commit) before the promise resolves: the executor broadcasts only after recordIntent returns. A trade row references
 * its order (trades_order_fk), whose record the orchestrator commits without waiting for the WAL flush: the WAL is
 * flushed in order, so this row's flush makes that record durable too, and an order whose record was lost cannot be
 * journaled (UnrecordedOrder). The one exception is markSent (see there). The writes on the broadcast path are named
 * statements, parsed and planned once per connection rather than at every trade.
 */
export class PgTradeJournal implements TradeJournal {
  constructor(
    private readonly pool: pg.Pool,
    /** The chain instance this journal's nonces belong to, e.g. "31337:<genesis hash>" (see chainTag). */
    private readonly chain = "",
  ) {}

  /**
   * With a fence, the intent is written only if that fence is the current, unexpired lease on the account, checked in
   * the same statement: the lease row is share-locked until the intent commits, so a takeover either happens before
   * (and this write fails with LeaseLost) or waits for it (and the new leader's reconciliation sees the intent). One
   * statement in autocommit, so the fenced write costs one round trip like the unfenced one (a transaction around a
   * SELECT ... FOR SHARE and the INSERT took five on the broadcast path).
   * The lease is held on the signing key's account (`leaseAccount`), which on the ERC-4337 route is the smart
   * account's owner, not the account that sends.
   */
  async recordIntent(t: LiveIntent, fence?: Fence, leaseAccount: string = t.account): Promise<void> {
    const columns = `${BASE_COLUMNS}, status, account, nonce, tx_hash, user_op_hash, deadline_block, chain, lease_token,
         deadline_at`;
    const params = [
      ...baseParams(t),
      t.account.toLowerCase(),
      t.nonce,
      t.txHash?.toLowerCase() ?? null,
      t.route === "erc4337" ? t.userOpHash.toLowerCase() : null,
      t.deadlineBlock,
      this.chain,
      fence ? fence.token.toString() : null,
      t.deadlineAt,
    ];
    if (!fence) {
      await this.insert(
        "journal-intent",
        `INSERT INTO trades (${columns}) VALUES (${BASE}, 'pending', ${placeholders(15, 22)})`,
        params,
      );
      return;
    }
    // The parameters take their types from the target columns, as in VALUES; no lease row, no row inserted.
    const written = await this.insert(
      "journal-intent-fenced",
      `WITH lease AS (
         SELECT 1 FROM executor_leases
         WHERE chain = $23 AND account = $24 AND holder = $25 AND token = $26 AND expires_at > now() FOR SHARE
       )
       INSERT INTO trades (${columns}) SELECT ${BASE}, 'pending', ${placeholders(15, 22)} FROM lease`,
      [...params, this.chain, leaseAccount.toLowerCase(), fence.holder, fence.token.toString()],
    );
    if (written !== 1) {
      throw new LeaseLost(`trade ${t.id} not journaled: lease token ${fence.token} is no longer current`);
    }
  }

  /**
   * Committed without waiting for the WAL flush: lost in a crash, the row stays pending with its hash, and
   * reconciliation resolves it from the chain as it does any pending row. Waited for, its flush could come between a
   * block's intents and delay the next one's commit (block -> sent 2.4-2.6 ms lower without the wait, two pairs).
   */
  async markSent(id: string, txHash: string | null): Promise<void> {
    const hash = txHash?.toLowerCase() ?? null;
    const res = await this.pool.query({
      name: "journal-sent",
      text: `WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true))
       UPDATE trades SET status = 'sent', tx_hash = coalesce($2, tx_hash), sent_at = now()
       FROM async_commit WHERE id = $1 AND status = 'pending'`,
      values: [id, hash],
    });
    if (res.rowCount === 1) return;
    // A retried markSent after success is harmless; anything else is a bug in the caller.
    const current = await this.statusOf(id);
    if (current?.status === "sent" && (hash === null || current.txHash === hash)) return;
    throw new IllegalTransition(`trade ${id}: cannot mark sent from ${current?.status ?? "missing"}`);
  }

  async markFinal(id: string, o: FinalOutcome): Promise<void> {
    const res = await this.pool.query(
      `UPDATE trades SET status = $2, realized_profit = $3, gas_used = $4, preceded_by = $5, block_number = $6,
         effective_gas_price = $7, l1_fee_wei = $8, final_at = now(),
         replaced_tx_hashes = CASE WHEN $9::text IS NULL OR tx_hash IS NULL OR $9::text = tx_hash
                                   THEN replaced_tx_hashes
                                   ELSE array_append(array_remove(replaced_tx_hashes, $9::text), tx_hash) END,
         tx_hash = coalesce($9::text, tx_hash)
       WHERE id = $1 AND status IN ('pending', 'sent')`,
      [
        id,
        o.status,
        fromBig(o.realizedProfit),
        fromBig(o.gasUsed),
        o.precededBy,
        o.blockNumber,
        fromBig(o.effectiveGasPrice),
        fromBig(o.l1FeeWei),
        o.txHash?.toLowerCase() ?? null,
      ],
    );
    if (res.rowCount === 1) return;
    // Reconciliation and the executor may both finalise a trade; the same verdict twice is fine, a different one is not.
    const current = await this.statusOf(id);
    if (current?.status === o.status) return;
    throw new IllegalTransition(`trade ${id}: cannot mark ${o.status} from ${current?.status ?? "missing"}`);
  }

  async markReplaced(id: string, oldHash: string, newHash: string): Promise<void> {
    const res = await this.pool.query(
      `UPDATE trades SET tx_hash = $3, replaced_tx_hashes = array_append(replaced_tx_hashes, $2)
       WHERE id = $1 AND tx_hash = $2 AND status IN ('pending', 'sent')`,
      [id, oldHash.toLowerCase(), newHash.toLowerCase()],
    );
    if (res.rowCount === 1) return;
    const current = await this.statusOf(id);
    // A retry after success is harmless; replacing anything but the newest version of a trade in flight is a bug.
    if (current?.txHash === newHash.toLowerCase()) return;
    throw new IllegalTransition(
      `trade ${id}: cannot replace ${oldHash} (status ${current?.status ?? "missing"}, tx ${current?.txHash ?? "none"})`,
    );
  }

  async recordSimulated(t: UnsentTrade): Promise<void> {
    await this.insert(
      "journal-unsent",
      `INSERT INTO trades (${BASE_COLUMNS}, status, block_number, simulated_profit, gas_estimate, reason, final_at,
         chain, verdict)
       VALUES (${BASE}, ${placeholders(15, 19)}, now(), $20, $21)`,
      [
        ...baseParams(t),
        t.status,
        t.blockNumber,
        fromBig(t.simulatedProfit),
        fromBig(t.gasEstimate),
        t.reason,
        this.chain,
        t.verdict ?? null,
      ],
    );
  }

  async listInFlight(account: string): Promise<InFlightTrade[]> {
    const { rows } = await this.pool.query<InFlightRow>(
      `SELECT id, opportunity_id, mode, epoch, order_block, base_token, pools, tokens, amount_in, predicted_profit,
         min_profit, status, account, nonce, tx_hash, deadline_block, route, user_op_hash, deadline_at,
         replaced_tx_hashes
       FROM trades WHERE chain = $2 AND account = $1 AND status IN ('pending', 'sent') ORDER BY nonce, created_at`,
      [account.toLowerCase(), this.chain],
    );
    return rows.map((r): InFlightTrade => {
      const base = {
        id: r.id,
        opportunityId: r.opportunity_id,
        mode: r.mode,
        epoch: r.epoch,
        orderBlock: Number(r.order_block),
        baseToken: r.base_token,
        pools: r.pools,
        tokens: r.tokens,
        amountIn: BigInt(r.amount_in),
        predictedProfit: BigInt(r.predicted_profit),
        minProfit: BigInt(r.min_profit),
        status: r.status,
        account: r.account,
        nonce: Number(r.nonce),
        deadlineBlock: r.deadline_block === null ? null : Number(r.deadline_block),
        deadlineAt: r.deadline_at === null ? null : Number(r.deadline_at),
        replacedTxHashes: r.replaced_tx_hashes,
      };
      if (r.route === "erc4337") {
        if (r.user_op_hash === null) throw new Error(`trade ${r.id}: an ERC-4337 row without its user-operation hash`);
        return { ...base, route: "erc4337", userOpHash: r.user_op_hash, txHash: null };
      }
      if (r.tx_hash === null) throw new Error(`trade ${r.id}: a live EOA row without its transaction hash`);
      return { ...base, route: "eoa", txHash: r.tx_hash };
    });
  }

  async tradeFor(opportunityId: string): Promise<JournaledTrade | null> {
    const { rows } = await this.pool.query<SettledRow>(
      `SELECT id, status, route, flash_source, tx_hash, user_op_hash, nonce, block_number, simulated_profit,
         realized_profit, gas_used, gas_used * effective_gas_price + coalesce(l1_fee_wei, 0) AS gas_cost_wei,
         preceded_by, reason, verdict, account
       FROM trades WHERE opportunity_id = $1`,
      [opportunityId],
    );
    const r = rows[0];
    if (!r) return null;
    if (r.status === "pending" || r.status === "sent") {
      // In flight: the same row listInFlight gives reconciliation, so it is followed the way a restart follows it.
      const trade = (await this.listInFlight(r.account ?? "")).find((t) => t.id === r.id);
      if (!trade) throw new Error(`trade ${r.id}: in flight, but not among its account's in-flight trades`);
      return { settled: false, trade };
    }
    return {
      settled: true,
      trade: {
        id: r.id,
        status: r.status,
        route: r.route,
        flashSource: r.flash_source,
        txHash: r.tx_hash,
        userOpHash: r.user_op_hash,
        nonce: r.nonce === null ? null : Number(r.nonce),
        blockNumber: r.block_number === null ? null : Number(r.block_number),
        simulatedProfit: toBig(r.simulated_profit),
        realizedProfit: toBig(r.realized_profit),
        gasUsed: toBig(r.gas_used),
        gasCostWei: toBig(r.gas_cost_wei),
        precededBy: r.preceded_by,
        reason: r.reason,
        verdict: r.verdict,
      },
    };
  }

  /** Runs an INSERT; returns how many rows it wrote. */
  private async insert(name: string, text: string, values: unknown[]): Promise<number> {
    try {
      return (await this.pool.query({ name, text, values })).rowCount ?? 0;
    } catch (err) {
      const { code, constraint } = err as { code?: string; constraint?: string };
      if (code === UNIQUE_VIOLATION && constraint === ONE_TRADE_PER_OPPORTUNITY) {
        throw new AlreadyJournaled(`trade refused: ${(err as Error).message}`, { cause: err });
      }
      if (code === UNIQUE_VIOLATION) {
        throw new DuplicateTrade(`trade refused: ${(err as Error).message}`, { cause: err });
      }
      if (code === FOREIGN_KEY_VIOLATION && constraint === "trades_order_fk") {
        throw new UnrecordedOrder("trade refused: its order has no decision record", { cause: err });
      }
      throw err;
    }
  }

  private async statusOf(id: string): Promise<{ status: string; txHash: string | null } | null> {
    const { rows } = await this.pool.query<{ status: string; tx_hash: string | null }>(
      "SELECT status, tx_hash FROM trades WHERE id = $1",
      [id],
    );
    const row = rows[0];
    return row ? { status: row.status, txHash: row.tx_hash } : null;
  }
}
