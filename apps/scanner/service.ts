import type { Logger } from "pino";
import { opportunitiesTopic, type Bus } from "../bus/index.ts";
import {
  logsOf,
  resultOf,
  rpcBatch,
  type BatchReads,
  type BlockHead,
  type BlockLog,
  type FailoverProvider,
  type L1FeeEstimator,
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
  /** OP-stack chains: the L1 data fee of the executor's transaction for each route length, asked each block. */
  l1Fee?: L1FeeEstimator;
}

/**
 * Where a block's time went: ms from the moment it was seen to the end of each step, in order. The node's answer is
 * the wait for the block's one batch of reads; applying the logs to the pool states ends with "applied" (a state's
 * full re-read, at start, gap or reorg, waits for the node there too).
 */
export interface ScanSteps {
  /** The scanner took the head (the head source's queue, the trace span). */
  handed: number;
  /** The node answered the block's batch (logs, gas price, L1 fees). */
  answered: number;
  /** The pool states advanced. */
  applied: number;
  /** The exact scan finished: the block's opportunities are known (detectMs). */
  scanned: number;
  /** Their candidates, with ids, were built for the bus. */
  built: number;
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
  /** Block seen -> opportunities known (the scan done), in ms. */
  detectMs: number;
  /** Where the block's time went (a head not published has no scan: its `scanned` and `built` are 0). */
  steps: ScanSteps;
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
  private readonly send: BatchReads;

  constructor(
    deps: {
      provider: FailoverProvider;
      poolState: PoolState;
      /** The Uniswap-V3 pools' states, when the market has any. */
      v3States?: V3PoolStates;
      bus: Bus;
      options: ScannerServiceOptions;
      /**
       * How a head's batch of reads reaches the node: by default over the provider; the newHeads socket sends them
       * on the socket the head came by (WebSocketHeads.reads).
       */
      reads?: BatchReads;
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
    this.send = deps.reads ?? ((requests) => rpcBatch(this.provider, requests));
  }

  /** The V3 pools changed since the last scan, each with a copy of its state (the states go on changing). */
  private v3Changes() {
    const states = this.v3States;
    if (states === null) return [];
    return [...this.pendingV3].map((address) => ({ address, state: states.copy(address) }));
  }

  /**
   * This head's reads of the node, sent as one batch (one HTTP request; each read answered or refused on its own):
   * the block's logs when a state advances from them (the topics of every such state, asked for once), and, when the
   * head will be published, the gas price and the L1 data fee of each route length (OP-stack chains). The node answers
   * requests one at a time, and the block's orders wait behind each read of it.
   */
  private reads(
    head: BlockHead,
    stale: boolean,
  ): { answered: Promise<number>; logs?: Promise<BlockLog[]>; priced: Promise<Pricing> | null } {
    const { l1Fee, maxHops } = this.options;
    const following = [this.poolState, ...(this.v3States ? [this.v3States] : [])].filter((s) => s.follows(head));
    const requests: { method: string; params: unknown[] }[] = [];
    if (following.length > 0) {
      const topics = [following.flatMap((s) => s.logTopics)];
      requests.push({ method: "eth_getLogs", params: [{ blockHash: head.hash, topics }] });
    }
    const logsAt = following.length > 0 ? 0 : -1;
    // The prices go with a publication only: not asked for a head that will not be published.
    const gasAt = requests.length;
    const lengths = !stale && l1Fee ? Array.from({ length: maxHops - 1 }, (_, i) => i + 2) : [];
    if (!stale) requests.push({ method: "eth_gasPrice", params: [] }, ...lengths.map((h) => l1Fee!.call(h)));
    const batch = this.send(requests);
    const answered = batch.then(
      () => performance.now(),
      () => performance.now(),
    );
    const priced = stale
      ? null
      : batch.then((answers): Pricing => {
          const gasPriceHex = resultOf(answers[gasAt]) as string;
          if (!l1Fee) return { gasPriceHex };
          const fees = lengths.map((h, i) => [String(h), l1Fee.fee(resultOf(answers[gasAt + 1 + i]))] as const);
          return { gasPriceHex, l1FeeWeiByHops: Object.fromEntries(fees) };
        });
    if (logsAt < 0) return { answered, priced };
    const logs = batch.then((answers) => logsOf(answers[logsAt]));
    // Each state awaits it too and reports a failure as its own; this only keeps it from going unhandled meanwhile.
    logs.catch(() => undefined);
    return { answered, logs, priced };
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
    const since = (t: number) => t - head.seenAt;
    const handed = since(performance.now());
    // Decided on arrival, not after the reads: a head judged later could always be overtaken, and none published.
    const stale = this.provider.newestBlock > head.number;
    const rpcStarted = performance.now();
    const { answered, logs, priced } = this.reads(head, stale);
    // What a state advanced by is kept until a scan has taken it: when another read of this block fails, the
    // states have moved on without the scanner, and the next block's changes alone would leave it stale.
    const [update, v3Update, pricing] = await Promise.all([
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
      priced,
    ]);
    if (update === null) return null;
    const applied = performance.now();
    const rpcMs = applied - rpcStarted;

    const report: ScanReport = {
      blockNumber: update.blockNumber,
      kind: v3Update?.kind === "full" ? "full" : update.kind,
      changedPools: update.changed.length + (v3Update?.changed.length ?? 0),
      opportunities: 0,
      published: false,
      rpcMs,
      scanMs: 0,
      detectMs: 0,
      steps: { handed, answered: since(await answered), applied: since(applied), scanned: 0, built: 0 },
      seenAt: performance.timeOrigin + head.seenAt,
      reorg: update.reason === "reorg" || v3Update?.reason === "reorg",
    };
    if (report.reorg) {
      this.observe.log?.warn({ block: update.blockNumber, hash: update.blockHash }, "reorg: pools re-read");
    }
    if (pricing === null) {
      // Stale on arrival: the changes stay pending (see above) for the scan of the newer head.
      this.observe.onScanned?.(report);
      this.observe.log?.warn(
        { block: update.blockNumber, newest: this.provider.newestBlock },
        "a newer block was already seen: state applied, scan skipped",
      );
      return report;
    }

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
    const scanned = performance.now();
    report.scanMs = scanned - scanStarted;
    report.opportunities = opportunities.length;
    report.published = true;
    report.detectMs = since(scanned);
    report.steps.scanned = report.detectMs;
    const candidates = toCandidates({ number: update.blockNumber, hash: update.blockHash }, opportunities);
    report.steps.built = since(performance.now());
    this.observe.onScanned?.(report);
    await this.bus.publish(opportunitiesTopic, {
      blockNumber: update.blockNumber,
      seenAt: report.seenAt,
      rpcMs,
      gasPriceWei: BigInt(pricing.gasPriceHex) + this.options.tipWei,
      ...(pricing.l1FeeWeiByHops ? { l1FeeWeiByHops: pricing.l1FeeWeiByHops } : {}),
      basePerNative: this.options.basePerNative,
      candidates,
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

/** The prices a published block goes with: the node's gas price (hex) and, on OP-stack chains, the L1 fees. */
interface Pricing {
  gasPriceHex: string;
  l1FeeWeiByHops?: Record<string, bigint>;
}
