import type { Logger } from "pino";
import { opportunitiesTopic, type Bus } from "../bus/index.ts";
import type { BlockHead, FailoverProvider, PoolState } from "../chain/index.ts";
import { ArbitrageScanner, type Token } from "../core/index.ts";
import type { PipelineMetrics } from "../metrics/index.ts";
import { inSpan } from "../tracing/index.ts";
import type { Ratio } from "../domain/index.ts";
import { toCandidates } from "./candidates.ts";

export interface ScannerServiceOptions {
  tokens: readonly Token[];
  baseTokens: readonly string[];
  /** Longest cycle searched, 2..3. */
  maxHops: number;
  /** Base-token units per native wei for each base token that can be priced against gas (wrapped native: 1/1). */
  basePerNative: Record<string, Ratio>;
  /** Tip the executor adds to the node's gas price, so the orchestrator's gas cost is not understated. */
  tipWei: bigint;
  /** OP-stack chains: the L1 data fee of the executor's transaction for a route of `hops` pools, asked each block. */
  l1Fee?: (hops: number) => Promise<bigint>;
}

export interface ScanReport {
  blockNumber: number;
  kind: "incremental" | "full";
  changedPools: number;
  opportunities: number;
  /** False when a newer block was seen while this one was processed: its state is stale and was not published. */
  published: boolean;
  /** Time spent waiting for the node (logs, gas price). */
  rpcMs: number;
  /** Time the exact scan took. */
  scanMs: number;
  /** Block seen -> opportunities published, in ms. */
  detectMs: number;
  /** Wall-clock ms when the block was seen: the start of every latency of this block. */
  seenAt: number;
}

/**
 * The scanner service (a collector feeding the core's incremental scanner): each new block advances the pool state
 * from its Sync logs, re-evaluates only the cycles through changed pools, and publishes the block's opportunities.
 * It never publishes on state older than the newest block seen: the block's results are dropped instead.
 */
export class ScannerService {
  private scanner: ArbitrageScanner | null = null;

  private readonly provider: FailoverProvider;
  private readonly poolState: PoolState;
  private readonly bus: Bus;
  private readonly options: ScannerServiceOptions;

  constructor(
    deps: { provider: FailoverProvider; poolState: PoolState; bus: Bus; options: ScannerServiceOptions },
    private readonly observe: {
      metrics?: PipelineMetrics;
      log?: Logger;
      /** Labels for metrics: the scanner ignores the mode, but its figures are reported per mode and epoch. */
      labels?: () => { mode: string; epoch: number };
      /** Called with each block's report before its opportunities are published. */
      onScanned?: (report: ScanReport) => void;
    } = {},
  ) {
    this.provider = deps.provider;
    this.poolState = deps.poolState;
    this.bus = deps.bus;
    this.options = deps.options;
  }

  /** The L1 data fee per route length at this block (OP-stack chains; undefined elsewhere). */
  private async l1Fees(): Promise<Record<string, bigint> | undefined> {
    const { l1Fee, maxHops } = this.options;
    if (!l1Fee) return undefined;
    const lengths = Array.from({ length: maxHops - 1 }, (_, i) => i + 2);
    const fees = await Promise.all(lengths.map((h) => l1Fee(h)));
    return Object.fromEntries(lengths.map((h, i) => [String(h), fees[i] as bigint]));
  }

  /** One block, traced from the moment it was seen: the root of the trace its orders and trades continue. */
  onHead(head: BlockHead): Promise<ScanReport | null> {
    return inSpan(
      "scanner.block",
      { "block.number": head.number },
      () => this.scanBlock(head),
      performance.timeOrigin + head.seenAt,
    );
  }

  private async scanBlock(head: BlockHead): Promise<ScanReport | null> {
    const rpcStarted = performance.now();
    const [update, gasPriceHex, l1FeeWeiByHops] = await Promise.all([
      this.poolState.onBlock(head),
      this.provider.send("eth_gasPrice", []) as Promise<string>,
      this.l1Fees(),
    ]);
    if (update === null) return null;
    const rpcMs = performance.now() - rpcStarted;

    const scanStarted = performance.now();
    let opportunities;
    if (this.scanner === null) {
      this.scanner = new ArbitrageScanner({
        tokens: this.options.tokens,
        pools: this.poolState.pools(),
        baseTokens: this.options.baseTokens,
        maxHops: this.options.maxHops,
      });
      opportunities = this.scanner.fullScan();
    } else {
      opportunities = this.scanner.applyReserves(update.changed);
    }
    const scanMs = performance.now() - scanStarted;

    const newest = Math.max(this.provider.newestBlock, head.number);
    const report: ScanReport = {
      blockNumber: update.blockNumber,
      kind: update.kind,
      changedPools: update.changed.length,
      opportunities: opportunities.length,
      published: false,
      rpcMs,
      scanMs,
      detectMs: 0,
      seenAt: performance.timeOrigin + head.seenAt,
    };
    if (newest > update.blockNumber) {
      this.observe.onScanned?.(report);
      this.observe.log?.warn(
        { block: update.blockNumber, newest },
        "state is older than the newest block seen: not published",
      );
      return report;
    }
    report.published = true;
    report.detectMs = performance.now() - head.seenAt;
    this.observe.onScanned?.(report);
    await this.bus.publish(opportunitiesTopic, {
      blockNumber: update.blockNumber,
      seenAt: report.seenAt,
      rpcMs,
      gasPriceWei: BigInt(gasPriceHex) + this.options.tipWei,
      ...(l1FeeWeiByHops ? { l1FeeWeiByHops } : {}),
      basePerNative: this.options.basePerNative,
      candidates: toCandidates({ number: update.blockNumber, hash: update.blockHash }, opportunities),
    });
    const labels = this.observe.labels?.() ?? { mode: "unknown", epoch: 0 };
    this.observe.metrics?.opportunities.inc({ mode: labels.mode, epoch: String(labels.epoch) }, opportunities.length);
    this.observe.metrics?.observeStage(labels, "detect", report.detectMs);
    return report;
  }
}
