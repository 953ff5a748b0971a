import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Every figure carries mode and epoch, so sim and live never add up and each epoch starts at zero. */
const MODE_EPOCH = ["mode", "epoch"] as const;

export type Stage = "detect" | "decide" | "simulate" | "send" | "confirm";

export interface Labels {
  mode: string;
  epoch: number;
}

/** The trading loop's metrics on their own registry (one per service, served at /metrics). */
export class PipelineMetrics {
  readonly registry = new Registry();
  readonly opportunities = new Counter({
    name: "orion_opportunities_total",
    help: "Opportunities the scanner found",
    labelNames: MODE_EPOCH,
    registers: [this.registry],
  });
  readonly orders = new Counter({
    name: "orion_orders_total",
    help: "Orders the orchestrator placed",
    labelNames: MODE_EPOCH,
    registers: [this.registry],
  });
  readonly rejections = new Counter({
    name: "orion_rejections_total",
    help: "Opportunities the orchestrator refused, by rule",
    labelNames: [...MODE_EPOCH, "reason"],
    registers: [this.registry],
  });
  readonly trades = new Counter({
    name: "orion_trades_total",
    help: "Trades by final status",
    labelNames: [...MODE_EPOCH, "status"],
    registers: [this.registry],
  });
  readonly realizedProfit = new Gauge({
    name: "orion_realized_profit_wei",
    help: "Realized profit of confirmed trades in base-token units (float: for dashboards, the ledger is exact)",
    labelNames: MODE_EPOCH,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: "orion_stage_latency_seconds",
    help: "Time from the block being seen to the end of each stage",
    labelNames: [...MODE_EPOCH, "stage"],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly dailyLossRatio = new Gauge({
    name: "orion_daily_loss_ratio",
    help: "Today's loss in this epoch divided by the daily loss limit (the orchestrator halts at 1)",
    labelNames: MODE_EPOCH,
    registers: [this.registry],
  });
  readonly routeUnavailable = new Counter({
    name: "orion_execution_route_unavailable_total",
    help: "Orders the ERC-4337 route could not take (bundler down or slower than its bound): sent from the EOA instead (outcome=fallback) or rejected",
    labelNames: [...MODE_EPOCH, "outcome"],
    registers: [this.registry],
  });
  readonly bundleRetargets = new Counter({
    name: "orion_bundle_retargets_total",
    help: "Bundles whose target block was built before they reached the relay: sent for the next block (outcome=retargeted) or dropped (past-deadline, stale, bound)",
    labelNames: [...MODE_EPOCH, "outcome"],
    registers: [this.registry],
  });
  readonly halted = new Gauge({
    name: "orion_orders_halted",
    help: "1 while the orchestrator refuses every order (store down, kill switch, breaker), else 0",
    labelNames: ["reason"],
    registers: [this.registry],
  });

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
  }

  observeStage(l: Labels, stage: Stage, ms: number): void {
    this.latency.observe({ mode: l.mode, epoch: String(l.epoch), stage }, ms / 1000);
  }

  /** Loss over limit as a float for alerting; the halt itself compares the exact bigints (decide.ts). */
  setDailyLoss(l: Labels, lossWei: bigint, limitWei: bigint): void {
    const ratio = limitWei > 0n ? Number((lossWei * 1_000_000n) / limitWei) / 1_000_000 : lossWei > 0n ? 1 : 0;
    this.dailyLossRatio.set({ mode: l.mode, epoch: String(l.epoch) }, ratio);
  }

  addRealizedProfit(l: Labels, amount: bigint): void {
    this.realizedProfit.inc({ mode: l.mode, epoch: String(l.epoch) }, Number(amount));
  }
}
