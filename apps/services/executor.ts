import type { Logger } from "pino";
import type pg from "pg";
import type { Bus } from "../bus/index.ts";
import { WebSocketHeads, type FailoverProvider } from "../chain/index.ts";
import type { ControlStore } from "../control/index.ts";
import type { GasModel } from "../domain/index.ts";
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import {
  bundleRelay,
  ChainFlashLenders,
  createExecutor,
  HeadTicks,
  ExecutorLease,
  ExecutorService,
  type FeePolicy,
  type FlashLenderConfig,
  type HeadSignal,
  type ReconcileReport,
  type StateOverride,
  type TradeResult,
  type TxSigner,
  type UserOperationConfig,
  type UserOperationSubmitter,
} from "../executor/index.ts";
import type { PipelineMetrics } from "../metrics/index.ts";
import { chainTag, PgLeaseStore, PgTradeJournal, StoreHealth } from "../store/index.ts";
import type { BotService, Readiness } from "./bot.ts";
import { BUNDLE_RETARGET_BLOCKS } from "./defaults.ts";
import { v3Lenders, type Market } from "./market.ts";

export interface ExecutorConfig {
  market: Market;
  /** The deployed ArbExecutor. */
  contract: string;
  /** The sending account (the contract's operator), lowercase. */
  account: string;
  tipWei: bigint;
  /** The model the orchestrator costs orders with: a route's first trade is held to its budget (ExecutorOptions). */
  gas: GasModel;
  /**
   * The contract reverts this many blocks after the order's block (null: none, on Arbitrum), and this many seconds
   * after the head's timestamp at simulation (default BACKSTOP_SECONDS). See deadlinePolicy().
   */
  deadlineBlocks: number | null;
  deadlineSeconds?: number;
  /**
   * Consumers of the orders topic sharing one executor (its nonce lock orders the broadcasts), so a block's orders
   * are simulated side by side rather than one after another.
   */
  consumers: number;
  /**
   * The signing lease: of all executors on this key (one per region), only its holder consumes orders and sends.
   * `holder` names this instance (default host, pid and a random suffix); `ttlMs` is how long a dead leader blocks
   * the standby (default 10 s).
   */
  lease?: { holder?: string; ttlMs?: number };
  /** Sim on a chain where the contract is not deployed: its code injected into each simulation. */
  stateOverride?: StateOverride;
  /** The chain's fee policy (from its profile); default EIP-1559 with no floor on the tip. */
  fees?: FeePolicy;
  /** Blocks on top of a trade's block before it is final (a reorg before then reclassifies it). Default 0. */
  confirmations?: number;
  /** How often a sent trade is looked for (receipt, inclusion) without connections.heads. Default 20 ms. */
  receiptPollMs?: number;
  /** Present: trades go as ERC-4337 user operations of this smart account (the EOA route only as the fallback). */
  userOperations?: Omit<UserOperationConfig, "submitter" | "onUnavailable">;
  /** The chain's Aave pool and Balancer vault, when it has them: lenders besides the V2 flash swap. */
  flashLenders?: FlashLenderConfig;
  /**
   * Present (the chain profile names a relayUrl): EOA trades go as bundles to the relay, signed with the reputation
   * key, bidding `bidShareBps` of each trade's profit to the block producer.
   */
  relay?: RelaySubmission;
  /**
   * A newHeads socket of its own (a ws(s) URL of the chain, polling every `pollMs` over the provider whenever the
   * socket cannot serve), when no other bot of the process shares its heads (connections.heads): its simulations go
   * by that socket, and its sent trades are looked for once a head.
   */
  heads?: { url: string; pollMs: number };
}

export interface RelaySubmission {
  url: string;
  /** The reputation key (hex): signs requests to the relay, holds nothing. */
  reputationKey: string;
  bidShareBps: number;
}

export interface ExecutorConnections {
  provider: FailoverProvider;
  bus: Bus;
  control: ControlStore;
  db: pg.Pool;
  /** Called only when the mode is live at start: a sim executor never holds a key (safety invariant 1). */
  loadSigner: () => TxSigner | Promise<TxSigner>;
  /** With config.userOperations, live only: the smart account's owner and sponsor keys and the bundler. */
  loadSubmitter?: () => Promise<UserOperationSubmitter>;
  metrics: PipelineMetrics;
  log: Logger;
  /**
   * The chain's new heads as another bot of the process sees them (the scanner's): sent trades are looked for once
   * per block instead of every receiptPollMs.
   */
  heads?: HeadSignal;
}

export interface ExecutorHooks {
  onTrade?: (result: TradeResult) => void;
  /** What an earlier run left in flight and start() settled from the chain. */
  onReconciled?: (report: ReconcileReport) => void;
}

/** The executor as a service: orders in, trades on the chain and in the journal, outcomes out. */
export class ExecutorBot implements BotService {
  readonly bot = "executor";
  private readonly health: StoreHealth;
  private services: ExecutorService[] = [];
  private lease: ExecutorLease | undefined;
  private socket: WebSocketHeads | null = null;

  constructor(
    private readonly config: ExecutorConfig,
    private readonly conn: ExecutorConnections,
    private readonly hooks: ExecutorHooks = {},
  ) {
    this.health = new StoreHealth(conn.db);
  }

  async start(): Promise<void> {
    const { provider, bus, control, db, metrics, log } = this.conn;
    const { market } = this.config;
    await this.health.start();
    const feeOf = new Map(market.pools.map((p) => [p.address, p.feeBps]));
    const genesis = await provider.getBlock(0);
    const chain = chainTag(market.chainId, genesis?.hash ?? "");
    const { mode } = await control.read();
    this.lease = new ExecutorLease(new PgLeaseStore(db, chain), this.config.account, {
      holder: this.config.lease?.holder ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`,
      ...(this.config.lease?.ttlMs !== undefined ? { ttlMs: this.config.lease.ttlMs } : {}),
      log,
    });
    const relay = this.config.relay;
    const broadcaster = relay ? bundleRelay({ url: relay.url, reputationKey: relay.reputationKey }) : null;
    if (relay && broadcaster) {
      // The host only: a relay URL may carry an API key. The reputation key's address is public by design.
      log.info(
        { relay: new URL(relay.url).host, reputation: broadcaster.reputation, bidShareBps: relay.bidShareBps },
        "trades go as bundles to the relay",
      );
    }
    const heads = this.conn.heads ?? this.ownHeads();
    const executor = await createExecutor({
      mode,
      provider,
      ...(heads ? { heads } : {}),
      journal: new PgTradeJournal(db, chain),
      lease: this.lease,
      // Read on the broadcast path itself: an engaged kill switch stops even orders decided before it was pulled.
      readMode: async () => {
        const s = await control.read();
        if (s.killSwitch.engaged) throw new Error(`kill switch engaged: ${s.killSwitch.reason ?? "no reason given"}`);
        return s.mode;
      },
      contract: this.config.contract,
      account: this.config.account,
      loadSigner: this.conn.loadSigner,
      feeOf: (pool) => feeOf.get(pool) ?? 30,
      // The profile's Aave pool and Balancer vault, and the market's cheapest V3 pools of each base token: any of
      // them holding the amount and outside the route can lend it.
      flashLenders: new ChainFlashLenders(provider, { ...this.config.flashLenders, v3Pools: v3Lenders(market) }),
      log,
      ...(this.config.userOperations ? { userOperations: this.userOperations(this.config.userOperations) } : {}),
      options: {
        priorityFeeWei: this.config.tipWei,
        gasModel: this.config.gas,
        // A bundle whose block was built before it arrived may go for the next one: one block more to land in.
        deadlineBlocks:
          relay && this.config.deadlineBlocks !== null
            ? this.config.deadlineBlocks + BUNDLE_RETARGET_BLOCKS
            : this.config.deadlineBlocks,
        ...(this.config.deadlineSeconds !== undefined ? { deadlineSeconds: this.config.deadlineSeconds } : {}),
        ...(this.config.stateOverride ? { stateOverride: this.config.stateOverride } : {}),
        ...(this.config.fees ? { fees: this.config.fees } : {}),
        ...(this.config.confirmations ? { confirmations: this.config.confirmations } : {}),
        ...(this.config.receiptPollMs ? { receiptPollMs: this.config.receiptPollMs } : {}),
        ...(relay && broadcaster
          ? {
              broadcaster,
              bidShareBps: relay.bidShareBps,
              onBundleRetarget: (order: { mode: string; epoch: number }, outcome: string) =>
                metrics.bundleRetargets.inc({ mode: order.mode, epoch: String(order.epoch), outcome }),
            }
          : {}),
      },
    });
    this.hooks.onReconciled?.(await executor.reconcile());
    this.services = Array.from(
      { length: this.config.consumers },
      (_, i) =>
        new ExecutorService({
          bus,
          executor,
          metrics,
          log,
          consumer: `executor-${process.pid}-${i}`,
          lease: this.lease,
          ...(this.hooks.onTrade ? { onTrade: this.hooks.onTrade } : {}),
        }),
    );
    // A standby starts too: it consumes nothing until the lease is its own.
    await this.lease.start();
    for (const s of this.services) await s.start();
  }

  /** The heads of config.heads' socket, or none without one. */
  private ownHeads(): HeadTicks | undefined {
    const { provider, log } = this.conn;
    const own = this.config.heads;
    if (!own) return undefined;
    const socket = new WebSocketHeads(own.url, provider, {
      chainId: this.config.market.chainId,
      pollMs: own.pollMs,
      log: (line) => log.warn(line),
    });
    const heads = new HeadTicks();
    socket.start(
      (head) => heads.seen(head.number, (requests) => socket.reads(requests)),
      (err) => log.warn({ err }, "new heads failed"),
    );
    this.socket = socket;
    return heads;
  }

  private userOperations(config: NonNullable<ExecutorConfig["userOperations"]>) {
    const { loadSubmitter, metrics, log } = this.conn;
    return {
      ...config,
      loadSubmitter: () => {
        if (!loadSubmitter) throw new Error("the ERC-4337 route needs a bundler and keys, and none were configured");
        return loadSubmitter();
      },
      onUnavailable: (order: { mode: string; epoch: number }, outcome: "fallback" | "rejected", reason: string) => {
        metrics.routeUnavailable.inc({ mode: order.mode, epoch: String(order.epoch), outcome });
        log.warn({ outcome, reason }, "ERC-4337 route unavailable");
      },
    };
  }

  /** Orders taken off the bus and carried as far as they go. */
  get handled(): number {
    return this.services.reduce((n, s) => n + s.handled, 0);
  }

  /** Waits for sent trades to be final (or `timeoutMs`); returns how many are still open. */
  async drain(timeoutMs: number): Promise<number> {
    return (await Promise.all(this.services.map((s) => s.drain(timeoutMs)))).reduce((a, b) => a + b, 0);
  }

  readiness(): Readiness {
    if (this.services.length === 0) return { ready: false, reason: "executor not started" };
    return this.health.healthy ? { ready: true } : { ready: false, reason: "PostgreSQL unreachable: nothing is sent" };
  }

  /** Trades still open after `graceMs` stay in flight in the journal; the next executor reconciles them. */
  async stop(graceMs: number): Promise<void> {
    await Promise.all(this.services.map((s) => s.stop(graceMs)));
    this.services = [];
    // Released, so a standby in another region takes over at its next attempt rather than after the TTL.
    await this.lease?.stop();
    await this.socket?.stop();
    this.socket = null;
    this.health.stop();
  }
}
