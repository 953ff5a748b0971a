import type { Log } from "ethers";
import type { Logger } from "pino";
import { opportunitiesTopic, type Bus } from "../bus/index.ts";
import {
  logsOf,
  resultOf,
  rpcBatch,
  type BlockHead,
  type FailoverProvider,
  type PoolState,
  type V3PoolStates,
} from "../chain/index.ts";
import { ArbitrageScanner, type ReserveUpdate, type Token } from "../core/index.ts";
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
  /**
   * False when a newer block was already known when this head arrived: its changes were applied to the pool states
   * but not scanned or published (the newer head's scan takes them).
   */
  published: boolean;
  /** Time spent waiting for the node (logs, gas price). */
  rpcMs: number;
  /** Time the exact scan took (0 when skipped). */
  scanMs: number;
  /** Block seen -> opportunities published, in ms. */
  detectMs: number;
  /** Wall-clock ms when the block was seen: the start of every latency of this block. */
  seenAt: number;
  /** The block replaced one already scanned at its height or below (a reorg): every pool was re-read. */
  reorg: boolean;
}

/**
 * The scanner service (a collector feeding the core's incremental scanner): each new block advances the V2 pool
 * state from its Sync logs and the V3 pool states from their Swap, Mint and Burn logs (each re-read at start, gap or
 * reorg), re-evaluates only the cycles through changed pools, and publishes the block's opportunities.
 * A head that is already stale when it arrives (a newer block is known) only advances the states: scanning it would
 * delay the newer head for results nobody may use. A head that was the newest on arrival is scanned and published
 * even if a newer block appears meanwhile (the orchestrator judges it against the newest block it has): a scanner
 * whose blocks all take longer than the block time would otherwise never publish anything.
 */
export class ScannerService {
  private scanner: ArbitrageScanner | null = null;

  private readonly provider: FailoverProvider;
  private readonly poolState: PoolState;
  private readonly v3States: V3PoolStates | null;
  /** Changes the states took that no scan has applied yet (see scanBlock). */
  private readonly pendingReserves = new Map<string, ReserveUpdate>();
  private readonly pendingV3 = new Set<string>();
  private readonly bus: Bus;
  private readonly options: ScannerServiceOptions;

  constructor(
    deps: {
      provider: FailoverProvider;
      poolState: PoolState;
      /** The Uniswap-V3 pools' states, when the market has any. */
      v3States?: V3PoolStates;
      bus: Bus;
      options: ScannerServiceOptions;
    },
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
    this.v3States = deps.v3States ?? null;
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

  /** The V3 pools changed since the last scan, each with a copy of its state (the states go on changing). */
  private v3Changes() {
    const states = this.v3States;
    if (states === null) return [];
    return [...this.pendingV3].map((address) => ({ address, state: states.copy(address) }));
  }

  /**
   * This head's reads of the node, sent as one batch (one HTTP request; each read answered or refused on its own):
   * the block's logs when the V2 and the V3 states both advance from them (those of both, asked for once), and the
   * gas price when the head will be published. The node answers requests one at a time, and the block's orders wait
   * behind each read of it.
   */
  private reads(head: BlockHead, stale: boolean): { logs?: Promise<Log[]>; gasPrice: Promise<string> | null } {
    const v3 = this.v3States;
    const shared = v3 !== null && this.poolState.follows(head) && v3.follows(head);
    const requests = [];
    if (shared) {
      const topics = [[...this.poolState.logTopics, ...v3.logTopics]];
      requests.push({ method: "eth_getLogs", params: [{ blockHash: head.hash, topics }] });
    }
    // The gas price goes with a publication only: not asked for a head that will not be published.
    if (!stale) requests.push({ method: "eth_gasPrice", params: [] });
    const batch = rpcBatch(this.provider, requests);
    const gasPrice = stale ? null : batch.then((answers) => resultOf(answers.at(-1)) as string);
    if (!shared) return { gasPrice };
    const logs = batch.then((answers) => logsOf(this.provider, answers[0]));
    // Each state awaits it too and reports a failure as its own; this only keeps it from going unhandled meanwhile.
    logs.catch(() => undefined);
    return { logs, gasPrice };
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
    // Decided on arrival, not after the reads: a head judged later could always be overtaken, and none published.
    const stale = this.provider.newestBlock > head.number;
    const rpcStarted = performance.now();
    const { logs, gasPrice } = this.reads(head, stale);
    const pricing = gasPrice === null ? null : Promise.all([gasPrice, this.l1Fees()]);
    // What a state advanced by is kept until a scan has taken it: when another read of this block fails, the
    // states have moved on without the scanner, and the next block's changes alone would leave it stale.
    const [update, v3Update, priced] = await Promise.all([
      this.poolState.onBlock(head, logs).then((u) => {
        for (const change of u?.changed ?? []) this.pendingReserves.set(change.address, change);
        return u;
      }),
      this.v3States
        ? this.v3States.onBlock(head, logs).then((u) => {
            for (const address of u?.changed ?? []) this.pendingV3.add(address);
            return u;
          })
        : Promise.resolve(null),
      pricing,
    ]);
    if (update === null) return null;
    const rpcMs = performance.now() - rpcStarted;

    const report: ScanReport = {
      blockNumber: update.blockNumber,
      kind: v3Update?.kind === "full" ? "full" : update.kind,
      changedPools: update.changed.length + (v3Update?.changed.length ?? 0),
      opportunities: 0,
      published: false,
      rpcMs,
      scanMs: 0,
      detectMs: 0,
      seenAt: performance.timeOrigin + head.seenAt,
      reorg: update.reason === "reorg" || v3Update?.reason === "reorg",
    };
    if (report.reorg) {
      this.observe.log?.warn({ block: update.blockNumber, hash: update.blockHash }, "reorg: pools re-read");
    }
    if (priced === null) {
      // Stale on arrival: the changes stay pending (see above) for the scan of the newer head.
      this.observe.onScanned?.(report);
      this.observe.log?.warn(
        { block: update.blockNumber, newest: this.provider.newestBlock },
        "a newer block was already seen: state applied, scan skipped",
      );
      return report;
    }

    const [gasPriceHex, l1FeeWeiByHops] = priced;
    const scanStarted = performance.now();
    let opportunities;
    if (this.scanner === null) {
      this.scanner = new ArbitrageScanner({
        tokens: this.options.tokens,
        pools: this.poolState.pools(),
        ...(this.v3States ? { v3Pools: this.v3States.pools() } : {}),
        baseTokens: this.options.baseTokens,
        maxHops: this.options.maxHops,
      });
      opportunities = this.scanner.fullScan();
    } else {
      opportunities = this.scanner.applyBlock(this.pendingReserves.values(), this.v3Changes());
    }
    this.pendingReserves.clear();
    this.pendingV3.clear();
    report.scanMs = performance.now() - scanStarted;
    report.opportunities = opportunities.length;
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
      // The header this head came with: the executor prices and times the block's orders from it.
      ...(head.baseFee !== undefined && head.hash === update.blockHash
        ? { header: { timestamp: head.timestamp, baseFeeWei: head.baseFee ?? 0n } }
        : {}),
    });
    const labels = this.observe.labels?.() ?? { mode: "unknown", epoch: 0 };
    this.observe.metrics?.opportunities.inc({ mode: labels.mode, epoch: String(labels.epoch) }, opportunities.length);
    this.observe.metrics?.observeStage(labels, "detect", report.detectMs);
    return report;
  }
}
