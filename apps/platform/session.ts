import { Redis } from "ioredis";
import pino, { type Logger } from "pino";
import { createMemoryBus, createRedisBus, deleteKeysWithPrefix, type Bus } from "../bus/index.ts";
import type { FailoverProvider } from "../chain/index.ts";
import {
  createMemoryControlStore,
  createRedisControlStore,
  type ControlState,
  type ControlStore,
  type Mode,
} from "../control/index.ts";
import type { FeePolicy, StateOverride, TradeResult, TxSigner } from "../executor/index.ts";
import { PipelineMetrics, serveMetrics } from "../metrics/index.ts";
import type { BlockDecision } from "../orchestrator/index.ts";
import type { ScanReport } from "../scanner/index.ts";
import {
  ApiBot,
  DEADLINE_BLOCKS,
  DEFAULT_GAS_MODEL,
  EXECUTOR_CONSUMERS,
  EXECUTOR_TIP_WEI,
  ExecutorBot,
  OrchestratorBot,
  ScannerBot,
  type Market,
} from "../services/index.ts";
import { createPgPool, listTrades, migrate, startEmbeddedPostgres, nextEpoch } from "../store/index.ts";
import { ConsoleView } from "./console-view.ts";
import { LatencyRecorder } from "./latency.ts";
import { reportTrade, writeReport, type SessionReport } from "./report.ts";

export interface SessionOptions {
  /** Shown first on the start line: "orion dev", "orion trade". */
  title: string;
  mode: Mode;
  /** Stop after this many blocks; null runs until the signal aborts. */
  blocks: number | null;
  /** Where to write the session report (atomically); null writes none. */
  report: string | null;
  /** Port of the HTTP API and /metrics (0 = any free port). */
  port: number;
  /** Home of embedded PostgreSQL and other local state (.orion/). */
  dataDir: string;
  databaseUrl?: string;
  redisUrl?: string;
  /** Prefix of the control store's Redis keys (default "orion:"), so tests and several stacks can share a Redis. */
  redisKeyPrefix?: string;
  /** Human-readable progress, one line at a time. */
  out: (line: string) => void;
  signal?: AbortSignal;
  log?: Logger;
}

/** The chain a session trades on: the devnet `orion dev` starts, or any chain `orion trade` is pointed at. */
export interface SessionChain {
  /** The profile's name, reported as "chain"; null for orion dev's own devnet. */
  name: string | null;
  /** How the start line names the chain, e.g. "devnet http://127.0.0.1:8545". */
  label: string;
  provider: FailoverProvider;
  market: Market;
  blockTimeMs: number;
  /** How often the head is polled (default 25 ms). */
  pollMs?: number;
  executor: {
    /** The ArbExecutor (in sim on a foreign chain: where its code is injected). */
    contract: string;
    /** The sending account, the contract's owner. */
    account: string;
    /** Called only for a live session. */
    loadSigner: () => TxSigner | Promise<TxSigner>;
    stateOverride?: StateOverride;
    fees?: FeePolicy;
    /** The tip bid per gas (the scanner costs orders with it too). Default EXECUTOR_TIP_WEI. */
    tipWei?: bigint;
  };
  /** Starts the blocks coming (the devnet's interval mining); a real chain mines without us. */
  startBlocks?: () => void;
  stopBlocks?: () => void;
  /** Releases the chain (and the provider) when the session ends. */
  close(): Promise<void>;
}

type Closer = () => Promise<unknown> | unknown;

/**
 * A trading session: the whole loop in one process against one chain. PostgreSQL from DATABASE_URL or embedded under
 * .orion/; Redis for bus and control store when REDIS_URL is set, in-process otherwise. Runs N blocks (or until
 * aborted), then writes the session report.
 */
export interface DevSession {
  report: SessionReport;
  /** Every stage measured, for benchmarks: the report's four plus breakdowns (e.g. decide excluding RPC). */
  latency: Record<string, { p50: number; p99: number; n: number }>;
}

/** Like Promise.all, but settles only once every promise has: the first failure is thrown after all are done. */
async function allOrNothing<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((s) => s.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

export async function runSession(o: SessionOptions, openChain: () => Promise<SessionChain>): Promise<DevSession> {
  const log = o.log ?? pino({ name: "orion-dev", level: process.env.LOG_LEVEL ?? "warn" }, pino.destination(2));
  const closers: Closer[] = [];
  const closeAll = async () => {
    for (const c of closers.reverse()) {
      try {
        await c();
      } catch (err) {
        log.warn({ err }, "shutdown step failed");
      }
    }
  };
  try {
    // The slow starts (PostgreSQL, the chain: a devnet deploying its markets, or discovery) run side by side; when
    // one fails, the other is still awaited, so whatever it started is registered for shutdown, not left running.
    const [dbUrl, chain] = await allOrNothing([
      (async () => {
        if (o.databaseUrl) return o.databaseUrl;
        const embedded = await startEmbeddedPostgres(o.dataDir, (line) => log.debug({ pg: line }));
        closers.push(() => embedded.stop());
        o.out(`PostgreSQL: embedded under ${embedded.dataDir}`);
        return embedded.url;
      })(),
      (async () => {
        const c = await openChain();
        closers.push(() => c.close());
        return c;
      })(),
    ]);
    const db = createPgPool(dbUrl);
    closers.push(() => db.end());
    await migrate(db);
    const keyPrefix = o.redisKeyPrefix ?? "orion:";
    const control: ControlStore = o.redisUrl
      ? createRedisControlStore({ url: o.redisUrl, keyPrefix })
      : createMemoryControlStore({ mode: o.mode, epoch: await nextEpoch(db) });
    closers.push(() => control.close());
    let state: ControlState = await control.read();
    if (state.mode !== o.mode) state = await control.switchMode(o.mode, state.version, `${o.title} --mode`);
    const session = { mode: state.mode, epoch: state.epoch, startedAt: new Date() };
    let current = state;
    const unwatch = await control.watch((s) => {
      if (s.mode !== current.mode || s.killSwitch.engaged !== current.killSwitch.engaged) {
        o.out(`control: mode ${s.mode}, epoch ${s.epoch}, kill switch ${s.killSwitch.engaged ? "ENGAGED" : "off"}`);
      }
      current = s;
    });
    closers.push(unwatch);

    // A fresh session per run: its bus streams are its own alone.
    const busPrefix = `${keyPrefix}dev:${process.pid}:${Date.now()}:`;
    if (o.redisUrl) {
      const url = o.redisUrl;
      closers.push(() => deleteKeys(url, busPrefix));
    }
    const bus: Bus = o.redisUrl
      ? createRedisBus({ url: o.redisUrl, keyPrefix: busPrefix, onError: (err) => log.error({ err }) })
      : createMemoryBus((err, topic) => log.error({ err, topic }, "bus handler failed"));
    closers.push(() => bus.close());

    const { market, provider } = chain;
    provider.startHealthChecks();

    const metrics = new PipelineMetrics("orion-dev");
    // The control-plane API keeps sessions and rate limits in Redis, so it runs only when Redis is there; it then
    // owns --port and the pipeline's /metrics moves to the next port.
    let apiUrl: string | null = null;
    if (o.redisUrl) {
      const { createChainChecks } = await import("../api/index.ts");
      const api = new ApiBot(
        {
          env: { ...process.env, DATABASE_URL: dbUrl, REDIS_URL: o.redisUrl, ORION_KEY_PREFIX: keyPrefix },
          port: o.port,
          host: "127.0.0.1",
          logLevel: "warn",
        },
        {
          control,
          chainChecks: createChainChecks({
            rpc: { request: ({ method, params }) => provider.send(method, params ?? []) },
            chainId: market.chainId,
            maxHeadAgeSeconds: 60,
            executor: { address: chain.executor.contract, owner: chain.executor.account },
            signer: { address: async () => chain.executor.account, minBalanceWei: 0n },
          }),
        },
      );
      await api.start();
      closers.push(() => api.stop());
      apiUrl = api.url;
    }
    const metricsServer = await serveMetrics(metrics.registry, apiUrl && o.port !== 0 ? o.port + 1 : o.port);
    closers.push(() => metricsServer.close());

    const account = chain.executor.account;
    const view = new ConsoleView(
      new Map(market.tokens.map((t) => [t.address, { symbol: t.symbol, decimals: t.decimals }])),
      new Map(market.pools.map((p) => [p.address, p.dex])),
    );
    const latency = new LatencyRecorder();
    const scans = new Map<number, ScanReport>();
    const seenAtOfBlock = new Map<number, number>();
    const counts = { opportunities: 0, orders: 0, published: 0, decided: 0 };

    const executor = new ExecutorBot(
      {
        market,
        contract: chain.executor.contract,
        account,
        tipWei: chain.executor.tipWei ?? EXECUTOR_TIP_WEI,
        deadlineBlocks: DEADLINE_BLOCKS,
        consumers: EXECUTOR_CONSUMERS,
        ...(chain.executor.stateOverride ? { stateOverride: chain.executor.stateOverride } : {}),
        ...(chain.executor.fees ? { fees: chain.executor.fees } : {}),
      },
      {
        provider,
        bus,
        control,
        db,
        // Safety invariant 1: only a live session loads a key; sim never constructs a signer.
        loadSigner: chain.executor.loadSigner,
        metrics,
        log,
      },
      {
        onReconciled: (r) => {
          if (r.resolved.length > 0) o.out(`reconciled ${r.resolved.length} in-flight trade(s) from the chain`);
        },
        onTrade: (result: TradeResult) => {
          const seenAt = seenAtOfBlock.get(result.order.blockNumber);
          if (seenAt !== undefined) {
            const at = (t: number | null) => (t === null ? null : performance.timeOrigin + t - seenAt);
            const received = at(result.timings.receivedAt);
            const sim = at(result.timings.simulatedAt);
            const sent = at(result.timings.sentAt);
            if (sim !== null) latency.add("simulate", sim);
            if (sent !== null) latency.add("send", sent);
            if (received !== null) latency.add("executorReceived", received);
            if (sim !== null && received !== null) latency.add("simulateOnly", sim - received);
            if (sent !== null && sim !== null) latency.add("signJournalBroadcast", sent - sim);
          }
          o.out(view.trade(result));
        },
      },
    );
    const orchestrator = new OrchestratorBot(
      { gas: DEFAULT_GAS_MODEL },
      { bus, control, db, metrics, log },
      {
        onStoreHealth: (ok) =>
          o.out(ok ? "PostgreSQL is back: orders resume" : "PostgreSQL unreachable: no new orders until it is back"),
        onDecision: (d: BlockDecision) => {
          latency.add("decide", d.decideMs);
          latency.add("decideExcludingRpc", d.decideMsExcludingRpc);
          counts.orders += d.unrecorded ? 0 : d.orders.length;
          counts.decided++;
          o.out(view.block(scans.get(d.blockNumber), d));
          scans.delete(d.blockNumber);
        },
      },
    );
    const scanner = new ScannerBot(
      {
        market,
        maxHops: 3,
        tipWei: chain.executor.tipWei ?? EXECUTOR_TIP_WEI,
        ...(chain.pollMs ? { pollMs: chain.pollMs } : {}),
      },
      { provider, bus, control, metrics, log },
      {
        blocks: o.blocks,
        onScanned: (scan) => {
          scans.set(scan.blockNumber, scan);
          seenAtOfBlock.set(scan.blockNumber, scan.seenAt);
          if (scan.published) latency.add("detect", scan.detectMs);
          counts.opportunities += scan.published ? scan.opportunities : 0;
          counts.published += scan.published ? 1 : 0;
          if (!scan.published) o.out(`block ${scan.blockNumber} | state stale (newer block seen): not published`);
        },
      },
    );
    await executor.start();
    closers.push(() => executor.stop(0));
    const nonceStart = await provider.getTransactionCount(account, "latest");
    await orchestrator.start();
    closers.push(() => orchestrator.stop());
    await scanner.start();
    closers.push(() => scanner.stop());

    const dexes = new Set(market.pools.map((p) => p.dex)).size;
    o.out(
      `${o.title}: ${session.mode} mode, epoch ${session.epoch} | ${chain.label} (chain ${market.chainId}), ` +
        `${market.pools.length} pools on ${dexes} DEXes | executor ${account} | metrics ${metricsServer.url}` +
        (apiUrl ? ` | API ${apiUrl} | console ${apiUrl}/console/` : " | API and console off (they need REDIS_URL)"),
    );

    const aborted = new Promise<void>((resolve) => {
      o.signal?.addEventListener("abort", () => resolve(), { once: true });
      if (o.signal?.aborted) resolve();
    });
    chain.startBlocks?.();
    await Promise.race([scanner.finished, aborted]);
    await scanner.stop();
    const blocks = scanner.blocks;

    // Let the last blocks through the orchestrator, their orders through the executor, and the transactions to a
    // receipt, while blocks keep coming.
    const patience = Math.max(10_000, chain.blockTimeMs * 10);
    await until(() => counts.decided >= counts.published && executor.handled >= counts.orders, patience);
    const open = await executor.drain(patience);
    if (open > 0) o.out(`${open} trade(s) still in flight at shutdown: they are reconciled from the chain next start`);
    await orchestrator.stop();
    await executor.stop(5_000);
    chain.stopBlocks?.();
    const nonceEnd = await provider.getTransactionCount(account, "latest");

    const rows = await listTrades(db, session.mode, session.epoch, session.startedAt);
    const trades = rows.map(reportTrade).filter((t) => t !== null);
    const report: SessionReport = {
      ...(chain.name === null ? {} : { chain: chain.name }),
      mode: session.mode,
      epoch: session.epoch,
      chainId: market.chainId,
      blocks: { from: Math.max(blocks.from, 0), to: Math.max(blocks.to, 0) },
      executor: { address: account, nonceStart, nonceEnd },
      opportunities: counts.opportunities,
      orders: counts.orders,
      trades,
      latencyMs: {
        detect: latency.summary("detect"),
        decide: latency.summary("decide"),
        simulate: latency.summary("simulate"),
        send: latency.summary("send"),
      },
    };
    o.out(summaryLine(report, latency));
    if (o.report) {
      await writeReport(o.report, report);
      o.out(`session report written to ${o.report}`);
    }
    return { report, latency: latency.all() };
  } finally {
    await closeAll();
  }
}

/** Removes a finished session's streams and idempotency keys: they belong to a devnet that no longer exists. */
async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  redis.on("error", () => undefined);
  try {
    await deleteKeysWithPrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}

async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

function summaryLine(r: SessionReport, latency: LatencyRecorder): string {
  const by = new Map<string, number>();
  for (const t of r.trades) by.set(t.status, (by.get(t.status) ?? 0) + 1);
  const statuses = [...by].map(([s, n]) => `${n} ${s}`).join(", ") || "no trades";
  const realized = r.trades.reduce((s, t) => s + BigInt(t.realizedProfit ?? "0"), 0n);
  const d = latency.summary("decideExcludingRpc");
  return (
    `session: blocks ${r.blocks.from}..${r.blocks.to}, ${r.opportunities} opportunities, ${r.orders} orders, ` +
    `${statuses}; realized ${realized} wei; nonce ${r.executor.nonceStart} -> ${r.executor.nonceEnd}; ` +
    `block->decided p50 ${r.latencyMs.decide.p50} ms (${d.p50} ms excluding RPC), block->sent p50 ${r.latencyMs.send.p50} ms`
  );
}
