import { join } from "node:path";
import { Redis } from "ioredis";
import pino, { type Logger } from "pino";
import { createMemoryBus, createRedisBus, deleteKeysWithPrefix, type Bus } from "../bus/index.ts";
import { BlockCollector, FailoverProvider, PoolState, type BlockHead } from "../chain/index.ts";
import {
  createMemoryControlStore,
  createRedisControlStore,
  type ControlState,
  type ControlStore,
  type Mode,
} from "../control/index.ts";
import { createExecutor, ExecutorService, privateKeySigner, type TradeResult } from "../executor/index.ts";
import { PipelineMetrics, serveMetrics } from "../metrics/index.ts";
import { OrchestratorService, type BlockDecision, type GasModel } from "../orchestrator/index.ts";
import { ScannerService, type ScanReport } from "../scanner/index.ts";
import {
  createPgPool,
  listTrades,
  migrate,
  PgTradeJournal,
  startEmbeddedPostgres,
  StoreHealth,
  chainTag,
  nextEpoch,
} from "../store/index.ts";
import { ConsoleView } from "./console-view.ts";
import { startDevnetProcess } from "./devnet-host.ts";
import { LatencyRecorder } from "./latency.ts";
import { reportTrade, writeReport, type SessionReport } from "./report.ts";

export interface DevOptions {
  mode: Mode;
  /** Stop after this many blocks; null runs until the signal aborts. */
  blocks: number | null;
  /** Where to write the session report (atomically); null writes none. */
  report: string | null;
  /** Port of the HTTP API and /metrics (0 = any free port). */
  port: number;
  blockIntervalMs: number;
  /** Home of embedded PostgreSQL and other local state (.orion/). */
  dataDir: string;
  databaseUrl?: string;
  redisUrl?: string;
  /** Prefix of the control store's Redis keys (default "orion:"), so tests and several stacks can share a Redis. */
  redisKeyPrefix?: string;
  seed?: number;
  /** Human-readable progress, one line at a time. */
  out: (line: string) => void;
  signal?: AbortSignal;
  log?: Logger;
}

/**
 * Gas of the executor contract per route: flash swap and checks, plus one pool swap per hop. Measured on the devnet:
 * 2 hops 168k-182k, 3 hops 220k-255k; the model (200k, 265k) stays above, so gas cost is never understated.
 */
export const DEFAULT_GAS_MODEL: GasModel = { fixed: 70_000n, perHop: 65_000n };
const EXECUTOR_TIP_WEI = 2_000_000_000n;
const EXECUTOR_CONSUMERS = 4;

type Closer = () => Promise<unknown> | unknown;

/**
 * `orion dev`: the whole trading loop in one process. PostgreSQL from DATABASE_URL or embedded under .orion/;
 * Redis for bus and control store when REDIS_URL is set, in-process otherwise; a devnet on 127.0.0.1 with seeded
 * markets and simulated traders. Runs N blocks (or until aborted), then writes the session report.
 */
export interface DevSession {
  report: SessionReport;
  /** Every stage measured, for benchmarks: the report's four plus breakdowns (e.g. decide excluding RPC). */
  latency: Record<string, { p50: number; p99: number; n: number }>;
}

export async function runDev(o: DevOptions): Promise<DevSession> {
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
    // The slow starts (PostgreSQL, the devnet with its markets) run side by side.
    const [dbUrl, chain] = await Promise.all([
      (async () => {
        if (o.databaseUrl) return o.databaseUrl;
        o.out(`PostgreSQL: embedded under ${join(o.dataDir, "pg")}`);
        const embedded = await startEmbeddedPostgres(o.dataDir, (line) => log.debug({ pg: line }));
        closers.push(() => embedded.stop());
        return embedded.url;
      })(),
      (async () => {
        const c = await startDevnetProcess({ seed: o.seed ?? 1, withExecutorKey: o.mode === "live" });
        closers.push(() => c.close());
        return c;
      })(),
    ]);
    const db = createPgPool(dbUrl);
    closers.push(() => db.end());
    await migrate(db);
    const health = new StoreHealth(db);
    await health.start();
    closers.push(() => health.stop());
    health.onChange((ok) =>
      o.out(ok ? "PostgreSQL is back: orders resume" : "PostgreSQL unreachable: no new orders until it is back"),
    );

    const keyPrefix = o.redisKeyPrefix ?? "orion:";
    const control: ControlStore = o.redisUrl
      ? createRedisControlStore({ url: o.redisUrl, keyPrefix })
      : createMemoryControlStore({ mode: o.mode, epoch: await nextEpoch(db) });
    closers.push(() => control.close());
    let state: ControlState = await control.read();
    if (state.mode !== o.mode) state = await control.switchMode(o.mode, state.version, "orion dev --mode");
    const session = { mode: state.mode, epoch: state.epoch, startedAt: new Date() };
    let current = state;
    const unwatch = await control.watch((s) => {
      if (s.mode !== current.mode || s.killSwitch.engaged !== current.killSwitch.engaged) {
        o.out(`control: mode ${s.mode}, epoch ${s.epoch}, kill switch ${s.killSwitch.engaged ? "ENGAGED" : "off"}`);
      }
      current = s;
    });
    closers.push(unwatch);

    // A fresh devnet per run: its bus streams are this session's alone.
    const busPrefix = `${keyPrefix}dev:${process.pid}:${Date.now()}:`;
    if (o.redisUrl) {
      const url = o.redisUrl;
      closers.push(() => deleteKeys(url, busPrefix));
    }
    const bus: Bus = o.redisUrl
      ? createRedisBus({ url: o.redisUrl, keyPrefix: busPrefix, onError: (err) => log.error({ err }) })
      : createMemoryBus((err, topic) => log.error({ err, topic }, "bus handler failed"));
    closers.push(() => bus.close());

    const { markets } = chain;
    const provider = FailoverProvider.fromUrls([chain.url], { chainId: markets.chainId, log });
    provider.startHealthChecks();
    closers.push(() => provider.destroy());

    const metrics = new PipelineMetrics("orion-dev");
    // The control-plane API keeps sessions and rate limits in Redis, so it runs only when Redis is there; it then
    // owns --port and the pipeline's /metrics moves to the next port.
    let apiUrl: string | null = null;
    if (o.redisUrl) {
      const { startApiServer, createChainChecks } = await import("../api/index.ts");
      const api = await startApiServer({
        env: { ...process.env, DATABASE_URL: dbUrl, REDIS_URL: o.redisUrl, ORION_KEY_PREFIX: keyPrefix },
        port: o.port,
        control,
        logLevel: "warn",
        chainChecks: createChainChecks({
          rpc: { request: ({ method, params }) => provider.send(method, params ?? []) },
          chainId: markets.chainId,
          maxHeadAgeSeconds: 60,
          executor: { address: markets.executor.address, owner: markets.executor.owner },
          signer: { address: async () => chain.executor.address, minBalanceWei: 0n },
        }),
      });
      closers.push(() => api.close());
      apiUrl = api.url;
    }
    const metricsServer = await serveMetrics(metrics.registry, apiUrl && o.port !== 0 ? o.port + 1 : o.port);
    closers.push(() => metricsServer.close());
    const labels = () => ({ mode: current.mode, epoch: current.epoch });

    const poolState = await PoolState.create(provider, markets.pools);
    const feeOf = new Map(markets.pools.map((p) => [p.address, p.feeBps]));
    const genesis = await provider.getBlock(0);
    const journal = new PgTradeJournal(db, chainTag(markets.chainId, genesis?.hash ?? ""));
    const account = chain.executor.address;
    const executorKey = chain.executor.privateKey;
    const executor = await createExecutor({
      mode: o.mode,
      provider,
      journal,
      // Read on the broadcast path itself: an engaged kill switch stops even orders decided before it was pulled.
      readMode: async () => {
        const s = await control.read();
        if (s.killSwitch.engaged) throw new Error(`kill switch engaged: ${s.killSwitch.reason ?? "no reason given"}`);
        return s.mode;
      },
      contract: markets.executor.address,
      account,
      // Safety invariant 1: only a live session loads a key; sim never constructs a signer.
      loadSigner: () => {
        if (!executorKey) throw new Error("live mode needs the executor's key, and the devnet did not provide it");
        return privateKeySigner(executorKey);
      },
      feeOf: (pool) => feeOf.get(pool) ?? 30,
      log,
      // The trade must land in the block right after the one it was priced on, or revert: so a mined trade that no
      // transaction preceded in its block runs on exactly the predicted state.
      options: { priorityFeeWei: EXECUTOR_TIP_WEI, deadlineBlocks: 1 },
    });
    const reconciled = await executor.reconcile();
    if (reconciled.resolved.length > 0)
      o.out(`reconciled ${reconciled.resolved.length} in-flight trade(s) from the chain`);
    const nonceStart = await provider.getTransactionCount(account, "latest");

    const view = new ConsoleView(
      new Map(markets.tokens.map((t) => [t.address, { symbol: t.symbol, decimals: t.decimals }])),
      new Map(markets.pools.map((p) => [p.address, p.dex])),
    );
    const latency = new LatencyRecorder();
    const scans = new Map<number, ScanReport>();
    const seenAtOfBlock = new Map<number, number>();
    const counts = { opportunities: 0, orders: 0, published: 0, decided: 0 };

    const scanner = new ScannerService(
      {
        provider,
        poolState,
        bus,
        options: {
          tokens: markets.tokens,
          baseTokens: [markets.baseToken],
          maxHops: 3,
          basePerNative: { [markets.baseToken]: { num: 1n, den: 1n } },
          tipWei: EXECUTOR_TIP_WEI,
        },
      },
      {
        metrics,
        log,
        labels,
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
    const orchestrator = new OrchestratorService({
      bus,
      control,
      storeHealthy: () => health.healthy,
      db,
      gas: DEFAULT_GAS_MODEL,
      metrics,
      log,
      onDecision: (d: BlockDecision) => {
        latency.add("decide", d.decideMs);
        latency.add("decideExcludingRpc", d.decideMsExcludingRpc);
        counts.orders += d.unrecorded ? 0 : d.orders.length;
        counts.decided++;
        o.out(view.block(scans.get(d.blockNumber), d));
        scans.delete(d.blockNumber);
      },
    });
    // Several consumers of the orders topic share one executor (its nonce lock orders the broadcasts), so a block's
    // orders are simulated side by side instead of one after another.
    const executorServices = Array.from(
      { length: EXECUTOR_CONSUMERS },
      (_, i) =>
        new ExecutorService({
          bus,
          executor,
          metrics,
          log,
          consumer: `executor-${process.pid}-${i}`,
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
        }),
    );
    await orchestrator.start();
    closers.push(() => orchestrator.stop());
    for (const e of executorServices) {
      await e.start();
      closers.push(() => e.stop());
    }
    const handled = () => executorServices.reduce((n, e) => n + e.handled, 0);

    o.out(
      `orion dev: ${session.mode} mode, epoch ${session.epoch} | devnet ${chain.url} (chain ${markets.chainId}), ` +
        `${markets.pools.length} pools on ${markets.dexes.length} DEXes | executor ${account} | metrics ${metricsServer.url}` +
        (apiUrl ? ` | API ${apiUrl}` : " | API off (it needs REDIS_URL)"),
    );

    const collector = new BlockCollector(provider);
    const blocks = { from: -1, to: -1, seen: 0 };
    const finished = new Promise<void>((resolve) => {
      const stopOn = () => resolve();
      o.signal?.addEventListener("abort", stopOn, { once: true });
      if (o.signal?.aborted) resolve();
      collector.start(
        async (head: BlockHead) => {
          if (o.blocks !== null && blocks.seen >= o.blocks) return;
          await scanner.onHead(head);
          if (blocks.from < 0) blocks.from = head.number;
          blocks.to = head.number;
          blocks.seen++;
          if (o.blocks !== null && blocks.seen >= o.blocks) resolve();
        },
        (err) => log.error({ err }, "block handling failed"),
      );
    });
    chain.setBlockInterval(o.blockIntervalMs);
    await finished;
    await collector.stop();

    // Let the last blocks through the orchestrator, their orders through the executor, and the transactions to a
    // receipt, while blocks keep coming.
    const patience = Math.max(10_000, o.blockIntervalMs * 10);
    await until(() => counts.decided >= counts.published && handled() >= counts.orders, patience);
    const open = (await Promise.all(executorServices.map((e) => e.drain(patience)))).reduce((a, b) => a + b, 0);
    if (open > 0) o.out(`${open} trade(s) still in flight at shutdown: they are reconciled from the chain next start`);
    await orchestrator.stop();
    await Promise.all(executorServices.map((e) => e.stop()));
    chain.setBlockInterval(0);
    const nonceEnd = await provider.getTransactionCount(account, "latest");

    const rows = await listTrades(db, session.mode, session.epoch, session.startedAt);
    const trades = rows.map(reportTrade).filter((t) => t !== null);
    const report: SessionReport = {
      mode: session.mode,
      epoch: session.epoch,
      chainId: markets.chainId,
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
