import { Redis } from "ioredis";
import pino, { type Logger } from "pino";
import { createMemoryBus, createRedisBus, deleteKeysWithPrefix, type Bus } from "../bus/index.ts";
import {
  createMemoryControlStore,
  createRedisControlStore,
  type ControlState,
  type ControlStore,
  type Mode,
} from "../control/index.ts";
import type { ExecutionRouteKind } from "../domain/index.ts";
import { logLines } from "../services/index.ts";
import { listTrades, startEmbeddedPostgres, nextEpoch } from "../store/index.ts";
import { runInProcess, type SessionParts } from "./in-process.ts";
import type { LatencyRecorder } from "./latency.ts";
import { runAsProcesses } from "./processes.ts";
import { reportTrade, writeReport, type SessionReport } from "./report.ts";
import { openSessionDatabase } from "./session-database.ts";
import type { SessionChain } from "./session-chain.ts";

export type { SessionChain } from "./session-chain.ts";

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
  /** Each bot in its own OS process (`orion run <bot>`), talking through Redis and PostgreSQL (`orion dev --services`). */
  services?: boolean;
  /**
   * With `services`: the orion install each bot's process starts from (its `bin/orion.mjs`, run in that directory),
   * such as the image's production tree; default this checkout.
   */
  botsFrom?: string;
  /** The execution route, for the report (`--execution`); the chain's executor config carries the route itself. */
  execution?: ExecutionRouteKind;
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
  const log = o.log ?? pino({ name: "orion-dev", level: process.env.LOG_LEVEL ?? "warn" }, logLines(2));
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
    const [ownerUrl, chain] = await allOrNothing([
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
    // As in the cloud: the migrate step as the owner, the services as a member of orion_app only.
    const database = await openSessionDatabase(ownerUrl, o.out);
    closers.push(() => database.close());
    const { db, url: dbUrl } = database;
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
      : createMemoryBus({ onError: (err, topic) => log.error({ err, topic }, "bus handler failed") });
    closers.push(() => bus.close());

    chain.provider.startHealthChecks();

    const parts: SessionParts = {
      title: o.title,
      mode: session.mode,
      epoch: session.epoch,
      blocks: o.blocks,
      port: o.port,
      dataDir: o.dataDir,
      out: o.out,
      signal: o.signal,
      log,
      closers,
      chain,
      db,
      dbUrl,
      control,
      bus,
      keyPrefix,
      busPrefix,
      redisUrl: o.redisUrl,
      botsFrom: o.botsFrom,
    };
    const run = o.services ? await runAsProcesses(parts) : await runInProcess(parts);
    const { blocks, counts, latency, nonceStart, nonceEnd } = run;
    const account = chain.executor.account;
    const { market } = chain;

    const rows = await listTrades(db, session.mode, session.epoch, session.startedAt);
    const trades = rows.map(reportTrade).filter((t) => t !== null);
    const report: SessionReport = {
      ...(chain.name === null ? {} : { chain: chain.name }),
      mode: session.mode,
      execution: o.execution ?? "eoa",
      epoch: session.epoch,
      chainId: market.chainId,
      blocks: { from: Math.max(blocks.from, 0), to: Math.max(blocks.to, 0) },
      executor: { address: account, nonceStart, nonceEnd },
      opportunities: counts.opportunities,
      orders: counts.orders,
      trades,
      ...(run.processes ? { processes: run.processes } : {}),
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
