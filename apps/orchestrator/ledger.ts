import type { Order, TradeVerdict } from "../domain/index.ts";

/** How a trade ended, as the orchestrator needs it: net P&L in native wei (profit valued in wei, minus gas). */
export interface TradeResult {
  opportunityId: string;
  status: "confirmed" | "reverted" | "dropped" | "simulated" | "rejected";
  netWei: bigint;
  /**
   * The route itself reverted (mined and reverted, or refused by the eth_call simulation), as opposed to a trade
   * stopped by a gate (mode, key, reconciliation) or dropped: only these count against the route's pools.
   */
  routeReverted?: boolean;
  /**
   * A verdict on the order (its funding leaves too little, or it came past its deadline): like the strategy's own
   * below-min-profit, neither a failure for the breaker nor a pool's fault.
   */
  verdict?: TradeVerdict;
}

/** When a pool is set aside on its own: after this many consecutive route reverts through it, for this many blocks. */
export interface QuarantinePolicy {
  afterReverts: number;
  blocks: number;
}

/**
 * Two reverts in a row through one pool (a token that taxes or blocks transfers, a paused pair, a pool always lost to
 * a faster searcher) bench that pool for about 20 minutes of Ethereum blocks; the rest of the market trades on.
 */
export const DEFAULT_QUARANTINE: QuarantinePolicy = { afterReverts: 2, blocks: 100 };

const FAILURES: ReadonlySet<TradeResult["status"]> = new Set(["reverted", "dropped", "rejected"]);

interface Open {
  exposureWei: bigint;
  pools: string[];
  blockNumber: number;
}

/**
 * The orchestrator's memory between blocks: open exposure, pools with a trade in flight, the day's P&L and the
 * failure streak, all for one epoch. Pure (fed orders and results, no I/O), so every rule is testable directly.
 */
export class RiskLedger {
  private readonly open = new Map<string, Open>();
  private readonly busy = new Map<string, number>();
  private day = "";
  private dayNetWei = 0n;
  private streak = 0;
  /** Control version at which the breaker opened; any later operator change re-arms it. */
  private breakerOpenedAt: number | null = null;
  private epoch: number | null = null;
  /** Consecutive route reverts through each pool (reset by a success through it). */
  private readonly strikes = new Map<string, number>();
  /** Pools set aside, with the last block they stay out of routes. */
  private readonly benched = new Map<string, number>();
  private latestBlock = 0;

  constructor(
    /** An order with no result after this many blocks is released (its deadline has long passed). */
    private readonly orderTtlBlocks = 20,
    private readonly quarantine: QuarantinePolicy = DEFAULT_QUARANTINE,
  ) {}

  /** Starts a fresh ledger for a new epoch: figures of different epochs never mix. Open orders stay open. */
  enterEpoch(epoch: number): void {
    const previous = this.epoch;
    this.epoch = epoch;
    if (previous === null || previous === epoch) return;
    this.dayNetWei = 0n;
    this.streak = 0;
    this.breakerOpenedAt = null;
  }

  get openExposureWei(): bigint {
    let sum = 0n;
    for (const o of this.open.values()) sum += o.exposureWei;
    return sum;
  }

  get consecutiveFailures(): number {
    return this.streak;
  }

  isBusy(pool: string): boolean {
    return (this.busy.get(pool) ?? 0) > 0;
  }

  /** Loss so far today (UTC) in this epoch, as a non-negative amount of wei. */
  dailyLossWei(now: Date): bigint {
    if (this.dayOf(now) !== this.day) return 0n;
    return this.dayNetWei < 0n ? -this.dayNetWei : 0n;
  }

  breakerOpen(controlVersion: number, maxConsecutiveFailures: number): boolean {
    if (this.breakerOpenedAt !== null && controlVersion > this.breakerOpenedAt) {
      this.breakerOpenedAt = null;
      this.streak = 0;
    }
    if (this.breakerOpenedAt === null && this.streak >= maxConsecutiveFailures) this.breakerOpenedAt = controlVersion;
    return this.breakerOpenedAt !== null;
  }

  placed(order: Order, exposureWei: bigint): void {
    this.hold(order.opportunityId, order.pools, order.blockNumber, exposureWei);
  }

  private hold(opportunityId: string, pools: string[], blockNumber: number, exposureWei: bigint): void {
    this.open.set(opportunityId, { exposureWei, pools, blockNumber });
    for (const p of pools) this.busy.set(p, (this.busy.get(p) ?? 0) + 1);
  }

  /** Whether a pool is quarantined: orders do not route through it until its period has passed. */
  isQuarantined(pool: string): boolean {
    const until = this.benched.get(pool);
    if (until === undefined) return false;
    if (until >= this.latestBlock) return true;
    this.benched.delete(pool);
    return false;
  }

  settled(result: TradeResult, now: Date): void {
    const pools = this.open.get(result.opportunityId)?.pools ?? [];
    this.release(result.opportunityId);
    const day = this.dayOf(now);
    if (day !== this.day) {
      this.day = day;
      this.dayNetWei = 0n;
    }
    this.dayNetWei += result.netWei;
    if (result.verdict !== undefined) return;
    if (!FAILURES.has(result.status)) {
      this.streak = 0;
      for (const p of pools) this.strikes.delete(p);
      return;
    }
    // A route that reverts through a pool that already failed is that pool's fault, not the market's: it counts
    // towards the pool's quarantine, and only a route's first revert counts towards the global breaker.
    const repeat = result.routeReverted === true && pools.some((p) => this.strikes.has(p));
    if (!repeat) this.streak++;
    if (result.routeReverted !== true) return;
    for (const p of pools) {
      const n = (this.strikes.get(p) ?? 0) + 1;
      if (n < this.quarantine.afterReverts) {
        this.strikes.set(p, n);
        continue;
      }
      this.strikes.delete(p);
      this.benched.set(p, this.latestBlock + this.quarantine.blocks);
    }
  }

  /**
   * Rebuilds the ledger after a restart from the journal: open trades hold their exposure and pools again, the
   * failure streak continues, and the day's net result (exact: the journal keeps each trade's effective gas price)
   * is where it was, so a daily loss limit reached before the restart still halts after it.
   */
  restore(
    epoch: number,
    open: { opportunityId: string; pools: string[]; blockNumber: number; exposureWei: bigint }[],
    recentStatuses: readonly string[],
    day: { now: Date; netWei: bigint },
  ): void {
    this.enterEpoch(epoch);
    this.day = this.dayOf(day.now);
    this.dayNetWei = day.netWei;
    for (const o of open) this.hold(o.opportunityId, o.pools, o.blockNumber, o.exposureWei);
    let streak = 0;
    for (const status of recentStatuses) {
      if (!FAILURES.has(status as TradeResult["status"])) break;
      streak++;
    }
    this.streak = streak;
  }

  /** Takes back an order that was never handed on (its record failed): it holds no exposure. */
  withdraw(opportunityId: string): void {
    this.release(opportunityId);
  }

  /** Releases orders that never produced a result (lost messages), so they cannot block trading forever. */
  expire(latestBlock: number): void {
    this.latestBlock = Math.max(this.latestBlock, latestBlock);
    for (const [id, o] of this.open) if (o.blockNumber + this.orderTtlBlocks < latestBlock) this.release(id);
  }

  private release(opportunityId: string): void {
    const o = this.open.get(opportunityId);
    if (!o) return;
    this.open.delete(opportunityId);
    for (const p of o.pools) {
      const n = (this.busy.get(p) ?? 1) - 1;
      if (n <= 0) this.busy.delete(p);
      else this.busy.set(p, n);
    }
  }

  private dayOf(now: Date): string {
    return dayOf(now);
  }
}

/** The UTC day a moment falls in (YYYY-MM-DD): the daily loss limit's period. */
export function dayOf(now: Date): string {
  return now.toISOString().slice(0, 10);
}
