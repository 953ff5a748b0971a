import type { Logger } from "pino";
import type { Bus } from "../bus/index.ts";
import {
  BlockCollector,
  PoolState,
  V3PoolStates,
  WebSocketHeads,
  type BatchReads,
  type BlockHead,
  type FailoverProvider,
  type HeadSource,
  type L1FeeEstimator,
} from "../chain/index.ts";
import type { ControlState, ControlStore } from "../control/index.ts";
import type { PipelineMetrics } from "../metrics/index.ts";
import { ScannerService, type ScanReport } from "../scanner/index.ts";
import type { BotService, Readiness } from "./bot.ts";
import { basePerNative, type Market } from "./market.ts";

export interface ScannerConfig {
  market: Market;
  /** Longest cycle searched, 2..3. */
  maxHops: 2 | 3;
  /** The executor's priority fee, added to the gas price the orchestrator costs orders with. */
  tipWei: bigint;
  /** OP-stack chains: the L1 data fee of the executor's transaction by route length (see l1FeeEstimator). */
  l1Fee?: L1FeeEstimator;
  /** How often the head is polled. Default 25 ms (a local node); a paid endpoint wants about the block time. */
  pollMs?: number;
  /** A ws(s) URL: heads from its newHeads subscription instead of polling (polling stays the fallback). */
  headsUrl?: string;
}

export interface ScannerConnections {
  provider: FailoverProvider;
  bus: Bus;
  /** Read only for the labels of its metrics (mode, epoch): the scanner itself ignores the mode. */
  control: ControlStore;
  metrics: PipelineMetrics;
  log: Logger;
}

export interface ScannerHooks {
  onScanned?: (report: ScanReport) => void;
  /**
   * Each new head's number as it is taken, before its scan: other bots of the process can follow the chain by it,
   * and read the chain the way the head came (`reads`, absent when the heads are polled over HTTP).
   */
  onHead?: (blockNumber: number, reads?: BatchReads) => void;
  /** Stop collecting after this many blocks (`orion dev --blocks`); `finished` resolves then. */
  blocks?: number | null;
}

/** The scanner as a service: a block collector feeding the incremental scanner, publishing opportunities. */
export class ScannerBot implements BotService {
  readonly bot = "scanner";
  /** First and last block handled, and how many. */
  readonly blocks = { from: -1, to: -1, seen: 0 };
  /** Resolves once `hooks.blocks` blocks were handled (never without a limit). */
  readonly finished: Promise<void>;
  private resolveFinished: () => void = () => undefined;
  private collector: HeadSource | null = null;
  private state: ControlState | null = null;
  private unwatch: (() => void) | null = null;

  constructor(
    private readonly config: ScannerConfig,
    private readonly conn: ScannerConnections,
    private readonly hooks: ScannerHooks = {},
  ) {
    this.finished = new Promise((r) => (this.resolveFinished = r));
  }

  async start(): Promise<void> {
    const { provider, bus, control, metrics, log } = this.conn;
    this.state = await control.read().catch(() => null);
    const unwatch = await control.watch((s) => (this.state = s));
    this.unwatch = () => void unwatch();
    const { market } = this.config;
    const poolState = await PoolState.create(provider, market.pools);
    const v3Pools = market.v3Pools ?? [];
    const v3States = v3Pools.length > 0 ? await V3PoolStates.create(provider, v3Pools) : undefined;
    const { headsUrl, pollMs = 25 } = this.config;
    const socket = headsUrl
      ? new WebSocketHeads(headsUrl, provider, {
          chainId: market.chainId,
          pollMs,
          log: (line) => log.warn(line),
        })
      : null;
    // A head's reads go over the socket it came by (see WebSocketHeads.reads).
    const reads: BatchReads | undefined = socket ? (requests) => socket.reads(requests) : undefined;
    const scanner = new ScannerService(
      {
        provider,
        poolState,
        ...(v3States ? { v3States } : {}),
        ...(reads ? { reads } : {}),
        bus,
        options: {
          tokens: market.tokens,
          baseTokens: market.baseTokens,
          maxHops: this.config.maxHops,
          basePerNative: basePerNative(market),
          tipWei: this.config.tipWei,
          ...(this.config.l1Fee ? { l1Fee: this.config.l1Fee } : {}),
        },
      },
      {
        metrics,
        log,
        labels: () => ({ mode: this.state?.mode ?? "unknown", epoch: this.state?.epoch ?? 0 }),
        ...(this.hooks.onScanned ? { onScanned: this.hooks.onScanned } : {}),
      },
    );
    const limit = this.hooks.blocks ?? null;
    const blocks = this.blocks;
    this.collector = socket ?? new BlockCollector(provider, pollMs);
    this.collector.start(
      async (head: BlockHead) => {
        this.hooks.onHead?.(head.number, reads);
        if (limit !== null && blocks.seen >= limit) return;
        await scanner.onHead(head);
        if (blocks.from < 0) blocks.from = head.number;
        blocks.to = head.number;
        blocks.seen++;
        if (limit !== null && blocks.seen >= limit) this.resolveFinished();
      },
      (err) => log.error({ err }, "block handling failed"),
    );
  }

  readiness(): Readiness {
    return this.collector === null ? { ready: false, reason: "scanner not started" } : { ready: true };
  }

  async stop(): Promise<void> {
    // A block being scanned finishes (the collector waits for its handler); the next one is never taken.
    await this.collector?.stop();
    this.collector = null;
    this.unwatch?.();
    this.unwatch = null;
  }
}
