/**
 * The executor service: consumes orders from the bus, hands each to the Executor, and publishes every trade's
 * outcome for the orchestrator's risk ledger. A handler returns once its transaction is broadcast (or the trade is
 * recorded unsent), so one block's orders go out back to back; outcomes are followed in the background.
 */
import { context, SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import type { Logger } from "pino";
import { ordersTopic, tradesTopic } from "../bus/index.ts";
import type { Bus, OrderEnvelope, Subscription } from "../bus/index.ts";
import type { PipelineMetrics } from "../metrics/index.ts";
import { tracer } from "../tracing/index.ts";
import type { Executor, TradeResult } from "./executor.ts";
import type { ExecutorLease } from "./lease.ts";

export interface ExecutorServiceDeps {
  bus: Bus;
  executor: Executor;
  metrics?: PipelineMetrics;
  log?: Logger;
  consumer?: string;
  /** Values a profit in the base token as native wei; the default treats the base token as wrapped native (1:1). */
  profitToWei?: (baseToken: string, amount: bigint) => bigint;
  /** Called with every trade's final result (for reports and the console). */
  onTrade?: (result: TradeResult) => void;
  /**
   * The signing lease shared by this key's executors: orders are consumed only while it is held (a standby takes
   * none), and on each new term what the previous leader left in flight is reconciled first. Its owner starts it.
   */
  lease?: Pick<ExecutorLease, "current" | "onChange">;
}

/** Wall-clock milliseconds of a performance.now() stamp, the clock the bus's seenAt uses. */
const wallMs = (t: number) => performance.timeOrigin + t;

export class ExecutorService {
  private sub: Subscription | undefined;
  private readonly following = new Set<Promise<void>>();
  private unwatch: (() => void) | undefined;
  /** Lease changes, applied one after another. */
  private transitions: Promise<void> = Promise.resolve();
  /** Orders taken off the bus and carried as far as they go (recorded, sent, refused or failed). */
  handled = 0;

  constructor(private readonly deps: ExecutorServiceDeps) {}

  /**
   * Reconciles what an earlier run left in flight, then starts consuming orders. Rows still undecided (their
   * deadline block has not passed) are retried by the executor before each live order until they are settled. With a
   * lease, that happens each time the lease is acquired, and consuming stops when it is lost.
   */
  async start(): Promise<void> {
    const { lease, log } = this.deps;
    if (!lease) return this.consume();
    this.unwatch = lease.onChange((fence) => {
      this.transitions = this.transitions
        .then(() => (fence ? this.consume() : this.standBy()))
        .catch((err: unknown) => log?.error({ err }, "executor lease transition failed"));
    });
    if (lease.current()) this.transitions = this.transitions.then(() => this.consume());
    await this.transitions;
  }

  private async consume(): Promise<void> {
    if (this.sub) return;
    const [report] = await Promise.all([this.deps.executor.reconcile(), this.deps.executor.warm()]);
    if (report.resolved.length > 0 || report.inFlight > 0) {
      this.deps.log?.info({ resolved: report.resolved.length, inFlight: report.inFlight }, "reconciled at start");
    }
    this.sub = await this.deps.bus.subscribe(
      ordersTopic,
      { group: "executor", consumer: this.deps.consumer ?? `executor-${process.pid}` },
      async (envelope) => {
        try {
          await this.handle(envelope);
        } finally {
          this.handled++;
        }
      },
    );
  }

  /** Lease lost: take no more orders. Trades already sent are still followed to their outcome. */
  private async standBy(): Promise<void> {
    await this.sub?.stop();
    this.sub = undefined;
  }

  /** Waits until every sent trade has its outcome or `timeoutMs` passes; returns how many are still open. */
  async drain(timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    while (this.following.size > 0 && performance.now() < deadline) {
      await Promise.race([Promise.all([...this.following]), new Promise((r) => setTimeout(r, 50))]);
    }
    return this.following.size;
  }

  /**
   * Stops consuming and gives trades already sent `graceMs` to finish; the rest stay in flight in the journal,
   * for the next start's reconciliation.
   */
  async stop(graceMs = 5_000): Promise<void> {
    this.unwatch?.();
    await this.transitions;
    await this.sub?.stop();
    this.sub = undefined;
    if ((await this.drain(graceMs)) > 0) {
      this.deps.executor.stop();
      await Promise.all([...this.following]);
    }
  }

  /** Trades sent whose outcome is not known yet. */
  get inFlight(): number {
    return this.following.size;
  }

  /**
   * One order, as the span `executor.order` in the trace the order message carried: it ends when the outcome is
   * known (at the receipt for a sent trade), and the outcome is published inside it.
   */
  async handle(envelope: OrderEnvelope): Promise<void> {
    const span = tracer().startSpan("executor.order", {
      attributes: { "order.opportunity": envelope.order.opportunityId, "order.mode": envelope.order.mode },
    });
    try {
      const { following } = await context.with(trace.setSpan(context.active(), span), () =>
        this.execute(envelope, span),
      );
      if (following) void following.finally(() => span.end());
      else span.end();
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      span.end();
      throw err;
    }
  }

  /**
   * Returns the promise that follows a sent trade to its receipt, or null when the outcome is already known (in an
   * object: an async function returning a promise would wait for it).
   */
  private async execute(
    { order, seenAt, header }: OrderEnvelope,
    span: Span,
  ): Promise<{ following: Promise<void> | null }> {
    const { executor, metrics, log } = this.deps;
    const labels = { mode: order.mode, epoch: order.epoch };
    const submission = await executor.submit(
      order,
      header ? { timestamp: header.timestamp, baseFee: header.baseFeeWei } : undefined,
    );
    if (submission.kind === "duplicate") return this.redelivered(order, span);
    if (submission.kind === "done") {
      const { result } = submission;
      if (result.timings.simulatedAt !== null) {
        metrics?.observeStage(labels, "simulate", wallMs(result.timings.simulatedAt) - seenAt);
      }
      span.setAttribute("trade.status", result.status);
      this.settle(result);
      return { following: null };
    }
    metrics?.observeStage(labels, "send", wallMs(submission.sentAt) - seenAt);
    const { txHash, userOpHash } = submission;
    log?.info(
      { opportunity: order.opportunityId, tx: txHash, userOp: userOpHash, nonce: submission.nonce },
      "trade sent",
    );
    if (txHash) span.setAttribute("trade.tx", txHash);
    if (userOpHash) span.setAttribute("trade.user_op", userOpHash);
    return {
      following: this.settleWhenFinal(submission.id, submission.final, span, () =>
        metrics?.observeStage(labels, "confirm", performance.timeOrigin + performance.now() - seenAt),
      ),
    };
  }

  /** Publishes a sent trade's outcome once it is final; counted among the trades followed until then. */
  private settleWhenFinal(id: string, final: Promise<TradeResult>, span: Span, onFinal?: () => void): Promise<void> {
    const following = final
      .then((result) => {
        onFinal?.();
        span.setAttribute("trade.status", result.status);
        this.settle(result);
      })
      .catch((err: unknown) => this.deps.log?.error({ err, trade: id }, "following a sent trade failed"))
      .finally(() => this.following.delete(following));
    this.following.add(following);
    return following;
  }

  /**
   * An order already journaled: its handling failed somewhere after the journal, maybe before the outcome was
   * published. Nothing is sent again; the outcome is published as a first delivery would (the trades topic drops a
   * second copy by trade id), from the journal, or once the trade still in flight is final.
   */
  private async redelivered(order: OrderEnvelope["order"], span: Span): Promise<{ following: Promise<void> | null }> {
    const { executor, log } = this.deps;
    const redelivery = await executor.redelivered(order);
    log?.info({ opportunity: order.opportunityId, trade: redelivery.kind }, "order already handled: not sent again");
    span.setAttribute("trade.redelivered", true);
    if (redelivery.kind === "none") {
      span.setAttribute("trade.status", "duplicate");
      return { following: null };
    }
    if (redelivery.kind === "done") {
      span.setAttribute("trade.status", redelivery.result.status);
      this.settle(redelivery.result);
      return { following: null };
    }
    return { following: this.settleWhenFinal(redelivery.id, redelivery.final, span) };
  }

  private settle(result: TradeResult): void {
    const { bus, metrics, log, onTrade } = this.deps;
    const { order } = result;
    const labels = { mode: order.mode, epoch: order.epoch };
    metrics?.trades.inc({ mode: order.mode, epoch: String(order.epoch), status: result.status });
    if (result.status === "confirmed" && result.realizedProfit !== null) {
      metrics?.addRealizedProfit(labels, result.realizedProfit);
    }
    const toWei = this.deps.profitToWei ?? ((_token: string, amount: bigint) => amount);
    const profit = result.realizedProfit ?? (result.status === "simulated" ? (result.simulatedProfit ?? 0n) : 0n);
    const netWei = toWei(order.baseToken, profit) - (result.gasCostWei ?? 0n);
    bus
      .publish(tradesTopic, {
        tradeId: result.id,
        opportunityId: order.opportunityId,
        mode: order.mode,
        epoch: order.epoch,
        status: result.status,
        netWei,
        routeReverted: result.routeReverted,
        ...(result.verdict ? { verdict: result.verdict } : {}),
        // Wall-clock stamps, so a process other than this one can measure block -> simulated and block -> sent.
        simulatedAt: result.timings.simulatedAt === null ? null : wallMs(result.timings.simulatedAt),
        sentAt: result.timings.sentAt === null ? null : wallMs(result.timings.sentAt),
      })
      .catch((err: unknown) => log?.error({ err, trade: result.id }, "trade outcome not published"));
    onTrade?.(result);
  }
}
