import type { Order } from "../domain/index.ts";

/** How a trade ended, as the orchestrator needs it: net P&L in native wei (profit valued in wei, minus gas). */
export interface TradeResult {
  opportunityId: string;
  status: "confirmed" | "reverted" | "dropped" | "simulated" | "rejected";
  netWei: bigint;
}

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

  constructor(
    /** An order with no result after this many blocks is released (its deadline has long passed). */
    private readonly orderTtlBlocks = 20,
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

  settled(result: TradeResult, now: Date): void {
    this.release(result.opportunityId);
    const day = this.dayOf(now);
    if (day !== this.day) {
      this.day = day;
      this.dayNetWei = 0n;
    }
    this.dayNetWei += result.netWei;
    this.streak = FAILURES.has(result.status) ? this.streak + 1 : 0;
  }

  /**
   * Rebuilds the ledger after a restart from the journal: open trades hold their exposure and pools again, and the
   * failure streak continues. (The day's loss starts over: the journal keeps gas used, not the price paid for it.)
   */
  restore(
    epoch: number,
    open: { opportunityId: string; pools: string[]; blockNumber: number; exposureWei: bigint }[],
    recentStatuses: readonly string[],
  ): void {
    this.enterEpoch(epoch);
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
    return now.toISOString().slice(0, 10);
  }
}
