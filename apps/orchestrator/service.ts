import type { Logger } from "pino";
import type pg from "pg";
import {
  opportunitiesTopic,
  ordersTopic,
  tradesTopic,
  type BlockOpportunities,
  type Bus,
  type Subscription,
} from "../bus/index.ts";
import type { ControlState, ControlStore } from "../control/index.ts";
import type { PipelineMetrics } from "../metrics/index.ts";
import { inSpan } from "../tracing/index.ts";
import { BlockClock, type GasModel } from "../domain/index.ts";
import { loadRiskSnapshot, recordDecisions, type DecidedOpportunity } from "../store/index.ts";
import { decide, rejectionCounts } from "./decide.ts";
import { dayOf, RiskLedger } from "./ledger.ts";
import type { Decision } from "./types.ts";

export interface BlockDecision extends Decision {
  blockNumber: number;
  control: ControlState | null;
  /** Orders decided but not published because their record could not be written (fail closed). */
  unrecorded: boolean;
  /** Block seen -> orders decided, in ms, and the same without the scanner's RPC wait. */
  decideMs: number;
  decideMsExcludingRpc: number;
}

export interface OrchestratorDeps {
  bus: Bus;
  control: ControlStore;
  /** Whether PostgreSQL answers (StoreHealth); no orders while it does not. */
  storeHealthy: () => boolean;
  /** Where decisions are recorded before their orders are published; null records nothing (tests). */
  db: pg.Pool | null;
  gas: GasModel;
  metrics?: PipelineMetrics;
  log?: Logger;
  consumer?: string;
  onDecision?: (d: BlockDecision) => void;
  /** Runs a block's deferred verdicts after `delayMs` (see verdictsDelayMs); a timer by default. */
  schedule?: (run: () => void, delayMs: number) => { cancel(): void };
}

const timer: NonNullable<OrchestratorDeps["schedule"]> = (run, delayMs) => {
  const t = setTimeout(run, delayMs);
  return { cancel: () => clearTimeout(t) };
};

/**
 * The orchestrator service: the I/O around the pure strategy. Per block it reads the control state (an unreadable
 * store halts: never a default mode), decides, records the orders and their opportunities in PostgreSQL, and only
 * then publishes the orders, so an order exists on the bus only if its record exists; the block's rejected verdicts
 * follow once the orders have gone. Trade outcomes settle the risk ledger.
 */
export class OrchestratorService {
  readonly ledger = new RiskLedger();
  private latestBlock = 0;
  private readonly subs: Subscription[] = [];
  /** The blocks handled, timed by when the scanner saw them. */
  private readonly clock = new BlockClock();
  /** Rejected verdicts waiting for their block's orders to go (verdictsDelayMs), and those being written. */
  private readonly deferred = new Map<{ cancel(): void }, () => Promise<void>>();
  private readonly writing = new Set<Promise<void>>();

  constructor(private readonly deps: OrchestratorDeps) {}

  async start(): Promise<void> {
    await this.restore();
    const consumer = this.deps.consumer ?? `orchestrator-${process.pid}`;
    this.subs.push(
      await this.deps.bus.subscribe(opportunitiesTopic, { group: "orchestrator", consumer }, async (b) => {
        await inSpan("orchestrator.decide", { "block.number": b.blockNumber }, () => this.handleBlock(b));
      }),
      await this.deps.bus.subscribe(tradesTopic, { group: "orchestrator", consumer }, async (t) => {
        this.ledger.settled(t, new Date());
      }),
    );
  }

  /** Syncs the risk ledger once from the journal (open trades, failure streak) for the current mode and epoch. */
  private async restore(): Promise<void> {
    const { db, control, log } = this.deps;
    if (!db) return;
    let state: ControlState;
    try {
      state = await control.read();
    } catch {
      return; // Halted anyway until the store is readable; the ledger starts empty.
    }
    const now = new Date();
    const snapshot = await loadRiskSnapshot(db, state.mode, state.epoch, new Date(dayOf(now)));
    this.ledger.restore(
      state.epoch,
      snapshot.open.map((t) => ({
        opportunityId: t.opportunityId,
        pools: t.pools,
        blockNumber: t.orderBlock,
        // As placed; a trade without its order row counts its amountIn as wei, as for a wrapped-native base token.
        exposureWei: t.exposureWei ?? t.amountIn,
      })),
      snapshot.recentStatuses,
      { now, netWei: snapshot.dayNetWei },
    );
    if (snapshot.open.length > 0 || this.ledger.consecutiveFailures > 0 || snapshot.dayNetWei !== 0n) {
      log?.info(
        {
          open: snapshot.open.length,
          failures: this.ledger.consecutiveFailures,
          dayNetWei: snapshot.dayNetWei.toString(),
        },
        "risk ledger restored",
      );
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.subs.splice(0).map((s) => s.stop()));
    await this.flushVerdicts();
  }

  /**
   * How long a block's rejected verdicts wait after its orders are published: a quarter of a block (BlockClock), as
   * the executor's looks at sent trades wait. The statement is a
   * hundred-odd rows, a few ms of the database's CPU and 1.4-1.7 ms of this process's, and written at once it ran
   * beside the block's simulations and journal rows on the same two cores: deferred, simulation p50 fell 12.6-13.3 ->
   * 8.0-10.5 ms on the devnet (bench/MEASUREMENTS.md). At once before two consecutive blocks were seen.
   */
  private verdictsDelayMs(): number {
    return Math.floor(this.clock.quarterBlockMs());
  }

  private later(write: () => Promise<void>, delayMs: number): void {
    const scheduled = (this.deps.schedule ?? timer)(() => {
      if (!this.deferred.delete(scheduled)) return; // flushed already
      this.track(write());
    }, delayMs);
    this.deferred.set(scheduled, write);
  }

  private track(writing: Promise<void>): void {
    this.writing.add(writing);
    void writing.finally(() => this.writing.delete(writing));
  }

  /** Writes every deferred verdict now and waits for all being written: nothing decided is left unrecorded. */
  async flushVerdicts(): Promise<void> {
    for (const [scheduled, write] of this.deferred) {
      scheduled.cancel();
      this.track(write());
    }
    this.deferred.clear();
    await Promise.all(this.writing);
  }

  async handleBlock(b: BlockOpportunities): Promise<BlockDecision> {
    const { deps } = this;
    this.clock.seen(b.blockNumber, b.seenAt);
    let control: ControlState | null;
    try {
      control = await deps.control.read();
    } catch (err) {
      deps.log?.error(
        { err: (err as Error).message, block: b.blockNumber },
        "control store unreadable: halting orders",
      );
      control = null;
    }
    this.latestBlock = Math.max(this.latestBlock, b.blockNumber);
    const now = new Date();
    const decision = decide(
      {
        candidates: b.candidates,
        control,
        storeHealthy: deps.storeHealthy(),
        market: {
          latestBlock: this.latestBlock,
          gasPriceWei: b.gasPriceWei,
          basePerNative: b.basePerNative,
          ...(b.l1FeeWeiByHops ? { l1FeeWeiByHops: b.l1FeeWeiByHops } : {}),
        },
        gas: deps.gas,
        now,
      },
      this.ledger,
    );
    const decideMs = performance.timeOrigin + performance.now() - b.seenAt;
    const result: BlockDecision = {
      ...decision,
      blockNumber: b.blockNumber,
      control,
      unrecorded: false,
      decideMs,
      decideMsExcludingRpc: decideMs - b.rpcMs,
    };
    const mode = control?.mode ?? "unknown";
    const epoch = control?.epoch ?? 0;
    const labels = { mode, epoch: String(epoch) };
    deps.metrics?.observeStage({ mode, epoch }, "decide", decideMs);
    if (control)
      deps.metrics?.setDailyLoss({ mode, epoch }, this.ledger.dailyLossWei(now), control.limits.dailyLossLimitWei);
    deps.metrics?.halted.reset();
    if (decision.halted) deps.metrics?.halted.set({ reason: decision.halted }, 1);
    if (deps.metrics) {
      // Counted per reason first: a block rejects a hundred-odd candidates, and each labelled inc() costs the
      // orders' way about 4 µs.
      for (const [reason, n] of rejectionCounts(decision.rejections)) {
        deps.metrics.rejections.inc({ ...labels, reason }, n);
      }
    }

    // The orders and the opportunities they come from are recorded before any order is published; the block's other
    // verdicts (often a hundred rejected candidates, most of the statement's cost) a quarter block later, and made
    // then too: nothing of them is on the orders' way.
    const ordered = new Set(decision.orders.map((o) => o.opportunityId));
    if (control && deps.db && (decision.orders.length > 0 || b.candidates.length > 0)) {
      try {
        const placed = decided(b, control, decision, (id) => ordered.has(id));
        await recordDecisions(deps.db, placed, decision.orders, decision.exposureWei);
      } catch (err) {
        // Fail closed: an order whose record cannot be written is not placed.
        deps.log?.error(
          { err: (err as Error).message, block: b.blockNumber },
          "decisions not recorded: orders withheld",
        );
        for (const o of decision.orders) this.ledger.withdraw(o.opportunityId);
        result.unrecorded = true;
        deps.onDecision?.(result);
        return result;
      }
    }
    // Handed over together, in profit order: a bus that sends them to a server (Redis) keeps that order on one
    // connection, and a block's later orders do not wait a round trip for each one before them.
    await Promise.all(
      decision.orders.map((order) =>
        deps.bus.publish(ordersTopic, { order, seenAt: b.seenAt, ...(b.header ? { header: b.header } : {}) }),
      ),
    );
    const db = deps.db;
    if (control && db && b.candidates.some((c) => !ordered.has(c.id))) {
      // Placed orders stand whether or not these rows can be written: each has its own record already.
      const write = () =>
        recordDecisions(
          db,
          decided(b, control, decision, (id) => !ordered.has(id)),
          [],
        ).catch((err: unknown) =>
          deps.log?.error({ err: (err as Error).message, block: b.blockNumber }, "rejected verdicts not recorded"),
        );
      const delay = this.verdictsDelayMs();
      if (delay > 0) this.later(write, delay);
      else await write();
    }
    deps.metrics?.orders.inc(labels, decision.orders.length);
    deps.onDecision?.(result);
    return result;
  }
}

/** The block's candidates whose id `wanted` takes, each with its verdict: "order" or the rule that rejected it. */
function decided(
  b: BlockOpportunities,
  control: ControlState,
  d: Decision,
  wanted: (id: string) => boolean,
): DecidedOpportunity[] {
  const verdict = new Map<string, string>(d.rejections.map((r) => [r.opportunityId, r.reason]));
  for (const o of d.orders) verdict.set(o.opportunityId, "order");
  return b.candidates
    .filter((c) => wanted(c.id))
    .map((c) => ({
      ...c,
      mode: control.mode,
      epoch: control.epoch,
      detectedAt: new Date(b.seenAt),
      decision: verdict.get(c.id) ?? "unknown",
    }));
}
