import type { Logger } from "pino";
import type pg from "pg";
import type { UserOperationPrerequisites } from "../api/index.ts";
import type { Bus } from "../bus/index.ts";
import type { ControlStore } from "../control/index.ts";
import { HeadTicks, type TradeResult } from "../executor/index.ts";
import { PipelineMetrics, serveMetrics } from "../metrics/index.ts";
import type { BlockDecision } from "../orchestrator/index.ts";
import type { ScanReport } from "../scanner/index.ts";
import {
  ApiBot,
  DEADLINE_BLOCKS,
  USER_OPERATION_DEADLINE_BLOCKS,
  DEFAULT_GAS_MODEL,
  EXECUTOR_CONSUMERS,
  EXECUTOR_TIP_WEI,
  ExecutorBot,
  l1FeePricing,
  OrchestratorBot,
  ScannerBot,
  type BotName,
} from "../services/index.ts";
import { ConsoleView, formatAmount } from "./console-view.ts";
import { LatencyRecorder } from "./latency.ts";
import type { SessionChain } from "./session-chain.ts";

/** What a session's pipeline hands back for its report, however its bots ran. */
export interface PipelineRun {
  blocks: { from: number; to: number };
  counts: { opportunities: number; orders: number };
  latency: LatencyRecorder;
  nonceStart: number;
  nonceEnd: number;
  /** The bots' OS processes, when each ran in its own (`orion dev --services`). */
  processes?: { bot: BotName; pid: number }[];
}

/** The session's shared parts, set up by runSession before any bot starts. */
export interface SessionParts {
  title: string;
  mode: "sim" | "live";
  epoch: number;
  blocks: number | null;
  port: number;
  dataDir: string;
  out: (line: string) => void;
  signal?: AbortSignal | undefined;
  log: Logger;
  closers: (() => Promise<unknown> | unknown)[];
  chain: SessionChain;
  db: pg.Pool;
  dbUrl: string;
  control: ControlStore;
  bus: Bus;
  keyPrefix: string;
  busPrefix: string;
  redisUrl?: string | undefined;
  /** `orion dev --services --bots-from`: the install the bots' processes start from (default this checkout). */
  botsFrom?: string | undefined;
}

/** Waits until `done()` or the timeout, polling: the pipeline's counters advance on bus deliveries. */
export async function until(done: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

/**
 * What the live pre-flight checks of a session on the ERC-4337 route. The bundler and paymaster service are the
 * session's: a live one starts them on the first ask, as its first live order would; a sim session never loads the
 * owner key they need, so it cannot go live and its check fails saying so.
 */
export function userOperationPrerequisites(
  route: NonNullable<SessionChain["executor"]["userOperations"]>,
  mode: "sim" | "live",
): UserOperationPrerequisites {
  const why =
    mode === "sim"
      ? "a sim session starts no bundler and loads no owner key: start the session with --mode live"
      : "this session names no bundler and paymaster service to check";
  return {
    entryPoint: route.entryPoint,
    account: route.account,
    contract: route.contract,
    endpoints: (mode === "live" ? route.endpoints : undefined) ?? (() => Promise.reject(new Error(why))),
  };
}

/**
 * Blocks whose seen-at stamps a session keeps for its trades' latencies: a trade is final within its deadline and a few
 * looks (blocks, not hundreds), and a session of days must not keep one stamp per block.
 */
const SEEN_BLOCKS_KEPT = 1_000;

/** The four bots in this process, sharing the session's connections. */
export async function runInProcess(p: SessionParts): Promise<PipelineRun> {
  const { chain, db, control, bus, log, closers, keyPrefix, dbUrl } = p;
  const o = p;
  const { market, provider } = chain;
  const metrics = new PipelineMetrics("orion-dev");
  // The control-plane API, the same service the cloud runs: it owns --port and the pipeline's /metrics moves to the
  // next port. Its sessions and rate limits go to Redis when the session has one, else to the session's PostgreSQL
  // (a machine with only Node); the control store is the session's own either way.
  const { createChainChecks } = await import("../api/index.ts");
  const userOperationsRoute = chain.executor.userOperations;
  const api = new ApiBot(
    {
      env: {
        ...process.env,
        // The API keeps its key file and anchors in the session's home, which a caller may name apart from $ORION_HOME.
        ORION_HOME: o.dataDir,
        // The session migrated as the owner; the API, like the cloud's, serves as the session's role and runs no DDL.
        DATABASE_URL: dbUrl,
        DATABASE_OWNER_URL: "",
        ORION_MIGRATIONS: "external",
        ...(o.redisUrl
          ? { REDIS_URL: o.redisUrl, ORION_SESSION_STORE: "redis" }
          : { REDIS_URL: "", ORION_SESSION_STORE: "postgres" }),
        ORION_KEY_PREFIX: keyPrefix,
      },
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
        executor: { address: chain.executor.contract, operator: chain.executor.account },
        signer: { address: async () => chain.executor.account, minBalanceWei: 0n },
        ...(userOperationsRoute ? { userOperations: userOperationPrerequisites(userOperationsRoute, o.mode) } : {}),
      }),
    },
  );
  await api.start();
  closers.push(() => api.stop());
  const apiUrl = api.url;
  const metricsServer = await serveMetrics(metrics.registry, o.port !== 0 ? o.port + 1 : o.port);
  closers.push(() => metricsServer.close());

  const account = chain.executor.account;
  const view = new ConsoleView(
    new Map(market.tokens.map((t) => [t.address, { symbol: t.symbol, decimals: t.decimals }])),
    new Map([
      ...market.pools.map((p) => [p.address, p.dex] as const),
      // A V3 DEX has a pool per fee tier: its fee (hundredths of a bp) tells them apart, e.g. "uniswap-v3 0.05%".
      ...(market.v3Pools ?? []).map((p) => [p.address, `${p.dex} ${formatAmount(BigInt(p.feePips), 4)}%`] as const),
    ]),
  );
  const latency = new LatencyRecorder();
  // The scanner's heads: the executor follows its sent trades block by block by them, not with a timer.
  const heads = new HeadTicks();
  const scans = new Map<number, ScanReport>();
  // When each block was seen, for its trades' latencies (the oldest let go: SEEN_BLOCKS_KEPT).
  const seenAtOfBlock = new Map<number, number>();
  const counts = { opportunities: 0, orders: 0, published: 0, decided: 0 };

  const route = chain.executor.userOperations;
  const loadSubmitter = route?.loadSubmitter;
  const userOperations = route
    ? {
        account: route.account,
        contract: route.contract,
        owner: route.owner,
        entryPoint: route.entryPoint,
        fallbackToEoa: route.fallbackToEoa ?? false,
        estimateEachTrade: route.estimateEachTrade ?? false,
      }
    : null;
  const executor = new ExecutorBot(
    {
      market,
      contract: chain.executor.contract,
      account,
      tipWei: chain.executor.tipWei ?? EXECUTOR_TIP_WEI,
      gas: DEFAULT_GAS_MODEL,
      deadlineBlocks: chain.executor.deadline
        ? chain.executor.deadline.blocks
        : userOperations
          ? USER_OPERATION_DEADLINE_BLOCKS
          : DEADLINE_BLOCKS,
      ...(chain.executor.deadline ? { deadlineSeconds: chain.executor.deadline.seconds } : {}),
      consumers: EXECUTOR_CONSUMERS,
      ...(chain.executor.stateOverride ? { stateOverride: chain.executor.stateOverride } : {}),
      ...(chain.executor.fees ? { fees: chain.executor.fees } : {}),
      ...(chain.executor.confirmations ? { confirmations: chain.executor.confirmations } : {}),
      ...(chain.executor.receiptPollMs ? { receiptPollMs: chain.executor.receiptPollMs } : {}),
      ...(userOperations ? { userOperations } : {}),
      ...(chain.executor.flashLenders ? { flashLenders: chain.executor.flashLenders } : {}),
      ...(chain.executor.relay ? { relay: chain.executor.relay } : {}),
    },
    {
      provider,
      bus,
      control,
      db,
      // Safety invariant 1: only a live session loads a key; sim never constructs a signer.
      loadSigner: chain.executor.loadSigner,
      heads,
      ...(loadSubmitter ? { loadSubmitter } : {}),
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
          // Seen final here: block -> included (EOA: the receipt; ERC-4337: the bundle's UserOperationEvent).
          const now = at(performance.now());
          if (result.blockNumber !== null && sent !== null && now !== null) latency.add("included", now);
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
  // OP-stack: every trade also pays an L1 data fee, priced by the chain's oracle each block for the cost model.
  const l1Fee = await l1FeePricing(chain.gasModel ?? "ethereum", market.chainId);
  const scanner = new ScannerBot(
    {
      market,
      maxHops: 3,
      tipWei: chain.executor.tipWei ?? EXECUTOR_TIP_WEI,
      ...(l1Fee ? { l1Fee } : {}),
      ...(chain.pollMs ? { pollMs: chain.pollMs } : {}),
      ...(chain.headsUrl ? { headsUrl: chain.headsUrl } : {}),
    },
    { provider, bus, control, metrics, log },
    {
      blocks: o.blocks,
      onHead: (blockNumber, reads) => heads.seen(blockNumber, reads),
      onScanned: (scan) => {
        // Kept for the block's decision line; a block not published gets no decision.
        if (scan.published) scans.set(scan.blockNumber, scan);
        seenAtOfBlock.set(scan.blockNumber, scan.seenAt);
        if (seenAtOfBlock.size > SEEN_BLOCKS_KEPT) seenAtOfBlock.delete(seenAtOfBlock.keys().next().value as number);
        if (scan.published) {
          latency.add("detect", scan.detectMs);
          // Its steps, each from the block seen (ScanSteps): where detect's time goes.
          for (const [step, ms] of Object.entries(scan.steps)) latency.add(`detect.${step}`, ms);
        }
        counts.opportunities += scan.published ? scan.opportunities : 0;
        counts.published += scan.published ? 1 : 0;
        if (scan.reorg) o.out(`block ${scan.blockNumber} | reorg: it replaced a block already scanned; pools re-read`);
        if (!scan.published) o.out(`block ${scan.blockNumber} | a newer block was already seen: applied, not scanned`);
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

  const v3Pools = market.v3Pools ?? [];
  const dexes = new Set([...market.pools, ...v3Pools].map((p) => p.dex)).size;
  const pools = `${market.pools.length} pools` + (v3Pools.length > 0 ? ` and ${v3Pools.length} V3 pools` : "");
  o.out(
    `${o.title}: ${o.mode} mode, epoch ${o.epoch} | ${chain.label} (chain ${market.chainId}), ` +
      `${pools} on ${dexes} DEXes | executor ${account} | metrics ${metricsServer.url}` +
      ` | API ${apiUrl} | console ${apiUrl}/console/`,
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
  return { blocks, counts, latency, nonceStart, nonceEnd };
}
