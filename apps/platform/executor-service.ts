import type { JsonRpcApiProvider } from "ethers";
import type { Logger } from "pino";
import { ordersTopic, tradesTopic, type Bus, type Subscription } from "../bus/index.ts";
import type { Executor, TradeResult } from "../executor/executor.ts";
import type { Order } from "../executor/ports.ts";
import type { PipelineMetrics } from "../metrics/index.ts";

/** A finished trade with the block clock it started from, for latency figures and the console. */
export interface FinishedTrade {
  result: TradeResult;
  seenAt: number;
}

/**
 * The executor as a bus service: consumes orders, submits each (simulate, then record or broadcast), and publishes
 * every outcome on the trades topic for the orchestrator's risk ledger. Submission is serial per consumer (the
 * nonce lock is inside the executor); waiting for receipts is not, so the next order never waits on a block.
 */
export class ExecutorService {
  private readonly finals = new Set<Promise<void>>();
  private sub: Subscription | null = null;
  /** Orders taken off the bus and carried as far as they go (recorded, sent, refused or failed). */
  handled = 0;

  constructor(
    private readonly deps: {
      bus: Bus;
      executor: Executor;
      provider: JsonRpcApiProvider;
      /** Tokens worth one native wei per unit (the wrapped native token): their profit counts in the loss limit. */
      nativeTokens: ReadonlySet<string>;
      metrics?: PipelineMetrics;
      log?: Logger;
      onTrade?: (t: FinishedTrade) => void;
      consumer?: string;
    },
  ) {}

  async start(): Promise<void> {
    const consumer = this.deps.consumer ?? `executor-${process.pid}`;
    this.sub = await this.deps.bus.subscribe(ordersTopic, { group: "executor", consumer }, async (envelope) => {
      try {
        await this.submit(envelope.order, envelope.seenAt);
      } finally {
        this.handled++;
      }
    });
  }

  private async submit(order: Order, seenAt: number): Promise<void> {
    const s = await this.deps.executor.submit(order);
    if (s.kind === "duplicate") return;
    if (s.kind === "done") {
      await this.finish(s.result, seenAt);
      return;
    }
    this.observe(order.mode, order.epoch, "send", seenAt, s.sentAt);
    const settle = s.final
      .then((r) => this.finish(r, seenAt))
      .catch((err: unknown) => this.deps.log?.error({ err, trade: s.id }, "following a sent trade failed"));
    this.finals.add(settle);
    void settle.finally(() => this.finals.delete(settle));
  }

  /** Waits until every sent trade has its outcome, or the timeout passes; returns how many are still open. */
  async drain(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.finals.size > 0 && Date.now() < deadline) {
      await Promise.race([Promise.all([...this.finals]), new Promise((r) => setTimeout(r, 100))]);
    }
    return this.finals.size;
  }

  async stop(): Promise<void> {
    await this.sub?.stop();
    this.sub = null;
  }

  private async finish(r: TradeResult, seenAt: number): Promise<void> {
    const { order } = r;
    if (r.timings.simulatedAt !== null)
      this.observe(order.mode, order.epoch, "simulate", seenAt, r.timings.simulatedAt);
    const labels = { mode: order.mode, epoch: String(order.epoch) };
    this.deps.metrics?.trades.inc({ ...labels, status: r.status });
    if (r.status === "confirmed" && r.realizedProfit !== null) {
      this.deps.metrics?.addRealizedProfit({ mode: order.mode, epoch: order.epoch }, r.realizedProfit);
    }
    await this.deps.bus.publish(tradesTopic, {
      tradeId: r.id,
      opportunityId: order.opportunityId,
      mode: order.mode,
      epoch: order.epoch,
      status: r.status,
      netWei: await this.netWei(r),
    });
    this.deps.onTrade?.({ result: r, seenAt });
  }

  /** Profit valued in wei (only for native-valued base tokens; others count as zero) minus the gas actually paid. */
  private async netWei(r: TradeResult): Promise<bigint> {
    const profit = r.realizedProfit !== null && this.deps.nativeTokens.has(r.order.baseToken) ? r.realizedProfit : 0n;
    if (r.txHash === null || r.gasUsed === null) return profit;
    const receipt = await this.deps.provider.getTransactionReceipt(r.txHash);
    return profit - r.gasUsed * (receipt?.gasPrice ?? 0n);
  }

  private observe(mode: string, epoch: number, stage: "simulate" | "send", seenAt: number, at: number): void {
    this.deps.metrics?.observeStage({ mode, epoch }, stage, performance.timeOrigin + at - seenAt);
  }
}
