/**
 * `orion dev --services`: the same session, but each bot in its own OS process started as `orion run <bot>`, with its
 * env built from the env contract, talking to the others through Redis and PostgreSQL only. This process keeps the
 * devnet and the report: it watches the bus as one more consumer group and reads the trades from PostgreSQL.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { opportunitiesTopic, ordersTopic, tradesTopic, type Subscription } from "../bus/index.ts";
import { PoolState, readV3Pool } from "../chain/index.ts";
import type { BotVariable, EnvBot, SecretFileVariable } from "../domain/env/index.ts";
import { v3PoolToEntry } from "../scan/index.ts";
import { BOT_NAMES, type BotName } from "../services/index.ts";
import { until, type PipelineRun, type SessionParts } from "./in-process.ts";
import { LatencyRecorder } from "./latency.ts";

const ORION = fileURLToPath(new URL("../../bin/orion.mjs", import.meta.url));
/** Each bot is given this long to become ready (a cold start compiles the CLI bundle and the contracts). */
const READY_TIMEOUT_MS = 180_000;

/** One bot's variables, typed by the contract: a variable the bot does not read fails typecheck here. */
const TRACING_VARIABLES = [
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
  "OTEL_TRACES_SAMPLER",
  "OTEL_TRACES_SAMPLER_ARG",
] as const;

type ContractEnv<B extends EnvBot> = Partial<Record<BotVariable<B>, string>>;

interface BotProcess {
  bot: BotName;
  child: ChildProcess;
  /** Resolves once the bot logged that it is ready. */
  ready: Promise<void>;
  exited: Promise<number | null>;
}

function startBot(bot: BotName, env: Record<string, string>, p: SessionParts): BotProcess {
  // From another install (the image's tree), the bot runs in its directory, as the container runs it in /app.
  const from = p.botsFrom;
  const child = spawn(process.execPath, [from ? join(from, "bin", "orion.mjs") : ORION, "run", bot], {
    // The contract is the bot's whole configuration: nothing else of this process's environment leaks in.
    env: { PATH: process.env.PATH ?? "", ...env },
    ...(from ? { cwd: from } : {}),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((r) => child.once("close", (code) => r(code)));
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    let buffered = "";
    child.stdout?.on("data", (c: Buffer) => {
      buffered += c.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const text of lines) {
        let line: { severity?: string; message?: string };
        try {
          line = JSON.parse(text) as typeof line;
        } catch {
          continue;
        }
        if (line.message === `${bot} ready`) resolve();
        if (line.severity === "ERROR" || line.severity === "CRITICAL") p.log.error({ bot, line }, "bot error");
      }
    });
    void exited.then((code) =>
      reject(new Error(`${bot} exited with code ${code} before it was ready: ${stderr.trim().split("\n")[0] ?? ""}`)),
    );
    setTimeout(
      () => reject(new Error(`${bot} not ready after ${READY_TIMEOUT_MS / 1000} s`)),
      READY_TIMEOUT_MS,
    ).unref();
  });
  return { bot, child, ready, exited };
}

/** SIGTERM, then the exit code; a bot must stop on its own within Cloud Run's 10 s. */
async function stopBot(b: BotProcess): Promise<number | null> {
  if (b.child.exitCode !== null) return b.child.exitCode;
  b.child.kill("SIGTERM");
  const killed = setTimeout(() => b.child.kill("SIGKILL"), 12_000);
  const code = await b.exited;
  clearTimeout(killed);
  return code;
}

/**
 * The session's markets as a pool snapshot v1, the file `ORION_POOLS` names (reserves and V3 pool states as of the
 * latest block).
 */
async function writeSnapshot(p: SessionParts, file: string): Promise<void> {
  const { market, provider } = p.chain;
  const state = await PoolState.create(provider, market.pools);
  const head = await provider.getBlock("latest");
  if (!head?.hash) throw new Error("the chain has no latest block");
  await state.refresh({ number: head.number, hash: head.hash }, "start");
  const v3 = await Promise.all(
    (market.v3Pools ?? []).map(async (meta) => ({
      ...meta,
      state: await readV3Pool(provider, meta.address, { blockTag: head.number }),
    })),
  );
  const snapshot = {
    chainId: market.chainId,
    blockNumber: head.number,
    tokens: market.tokens.map((t) => ({ address: t.address, symbol: t.symbol, decimals: t.decimals })),
    baseTokens: market.baseTokens,
    pools: [
      ...state.pools().map((pool) => ({
        address: pool.address,
        dex: pool.dex,
        protocol: "uniswap-v2",
        token0: pool.token0,
        token1: pool.token1,
        reserve0: pool.reserve0.toString(),
        reserve1: pool.reserve1.toString(),
        feeBps: pool.feeBps,
      })),
      ...v3.map(v3PoolToEntry),
    ],
  };
  await writeFile(file, JSON.stringify(snapshot) + "\n");
}

/**
 * The API process's key material: the user's ORION_KEYS or ORION_KEYS_FILE when set (the in-process API reads them
 * from this process's environment, and `orion users` signs with them), else the key file in the session's home.
 * The path is made absolute: the bot may run from another directory.
 */
export function apiKeyEnv(dataDir: string, env: NodeJS.ProcessEnv): ContractEnv<"api"> {
  return {
    ORION_KEYS_FILE: env.ORION_KEYS_FILE ? resolve(env.ORION_KEYS_FILE) : join(dataDir, "keys.json"),
    ...(env.ORION_KEYS ? { ORION_KEYS: env.ORION_KEYS } : {}),
  };
}

export async function runAsProcesses(p: SessionParts): Promise<PipelineRun> {
  const { chain, bus, closers, out, dataDir } = p;
  const { provider } = chain;
  if (!p.redisUrl) throw new Error("--services needs REDIS_URL: the bots talk to each other through Redis");
  if (!chain.rpcUrls) throw new Error("--services needs the chain's RPC URLs for the bots' processes");
  const account = chain.executor.account;

  // The ERC-4337 route: the executor's process reaches the bundler and the sponsor by URL, as it would hosted ones.
  const uo = chain.executor.userOperations;
  let userOperations: ContractEnv<"executor"> = {};
  if (uo) {
    const endpoints = p.mode === "live" ? await uo.endpoints?.() : undefined;
    if (p.mode === "live" && !endpoints) throw new Error("--services: this chain cannot hand a bundler URL on");
    userOperations = {
      ORION_EXECUTION: "erc4337",
      ORION_ENTRY_POINT: uo.entryPoint,
      ORION_SMART_ACCOUNT: uo.account,
      ORION_SMART_ACCOUNT_CONTRACT: uo.contract,
      ORION_EOA_FALLBACK: uo.fallbackToEoa ? "true" : "false",
      ORION_BUNDLER_TIMEOUT_MS: String(uo.timeoutMs),
      ...(endpoints ? { ORION_BUNDLER_URL: endpoints.bundlerUrl, ORION_PAYMASTER_URL: endpoints.paymasterUrl } : {}),
    };
  }

  // The session's files: the markets every bot watches and, in live mode only, the executor's devnet key.
  const dir = join(dataDir, "sessions", `services-${process.pid}-${Date.now()}`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  closers.push(() => rm(dir, { recursive: true, force: true }));
  const pools = join(dir, "pools.json");
  await writeSnapshot(p, pools);
  let keyFile: string | undefined;
  if (p.mode === "live" && chain.executor.devnetKey) {
    keyFile = join(dir, "executor.key");
    await writeFile(keyFile, chain.executor.devnetKey + "\n", { mode: 0o600 });
    await chmod(keyFile, 0o600);
  }
  // A relay (live): the executor's process reaches it by URL with the reputation key as a file, as the cloud's does.
  let relay: ContractEnv<"executor"> & { [V in `${SecretFileVariable}_FILE`]?: string } = {};
  if (chain.executor.relay) {
    const relayKeyFile = join(dir, "relay.key");
    await writeFile(relayKeyFile, chain.executor.relay.reputationKey + "\n", { mode: 0o600 });
    await chmod(relayKeyFile, 0o600);
    relay = {
      ORION_RELAY_URL: chain.executor.relay.url,
      ORION_RELAY_KEY_FILE: relayKeyFile,
      ORION_BID_SHARE_BPS: String(chain.executor.relay.bidShareBps),
    };
  }

  // This session's trace export (the contract's OTEL_* variables) reaches every bot's process.
  const tracing = Object.fromEntries(
    TRACING_VARIABLES.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])),
  ) as Partial<Record<(typeof TRACING_VARIABLES)[number], string>>;
  const service = {
    ...tracing,
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "info",
    REDIS_URL: p.redisUrl,
    ORION_KEY_PREFIX: p.keyPrefix,
    ORION_BUS_PREFIX: p.busPrefix,
  };
  // The session's own profile: each bot prices, bids and times its trades from it as this process does.
  // The devnet's newHeads socket among the URLs, as in the cloud: the scanner and the executor take their heads by
  // subscription there too.
  const rpcUrls = [...chain.rpcUrls, ...(chain.headsUrl ? [chain.headsUrl] : [])].join(",");
  const onChain = { RPC_URLS: rpcUrls, ORION_POOLS: pools, ORION_CHAIN: chain.profileFile };
  // The session migrated as the owner (the cloud's migrate job): the bots log in as its role and run no DDL.
  const database = { DATABASE_URL: p.dbUrl, ORION_MIGRATIONS: "external" };
  const envs: { [B in BotName]: ContractEnv<B> } = {
    scanner: { ...service, ...onChain },
    orchestrator: { ...service, ...database },
    executor: {
      ...service,
      ...onChain,
      ...database,
      ORION_EXECUTOR_CONTRACT: chain.executor.contract,
      ORION_EXECUTOR_ACCOUNT: account,
      ...(keyFile ? { ORION_SIGNER_KEY_FILE: keyFile } : {}),
      ...userOperations,
      ...relay,
    },
    api: {
      ...service,
      PORT: String(p.port),
      ...database,
      ...apiKeyEnv(dataDir, process.env),
      // The live pre-flight's chain checks: the chain, the contract and (erc4337) the route's prerequisites. No
      // signing key: the API only checks, and the executor's key stays in the executor's process.
      RPC_URLS: onChain.RPC_URLS,
      ORION_CHAIN_ID: String(chain.market.chainId),
      ORION_EXECUTOR_CONTRACT: chain.executor.contract,
      ORION_EXECUTOR_ACCOUNT: account,
      ...(userOperations.ORION_EXECUTION
        ? {
            ORION_EXECUTION: userOperations.ORION_EXECUTION,
            ORION_ENTRY_POINT: userOperations.ORION_ENTRY_POINT,
            ORION_SMART_ACCOUNT: userOperations.ORION_SMART_ACCOUNT,
            ORION_SMART_ACCOUNT_CONTRACT: userOperations.ORION_SMART_ACCOUNT_CONTRACT,
            ...(userOperations.ORION_BUNDLER_URL ? { ORION_BUNDLER_URL: userOperations.ORION_BUNDLER_URL } : {}),
            ...(userOperations.ORION_PAYMASTER_URL ? { ORION_PAYMASTER_URL: userOperations.ORION_PAYMASTER_URL } : {}),
          }
        : {}),
      // Its anchors in the session's home, whatever directory the bot runs from.
      ORION_HOME: dataDir,
    },
  };

  // This process watches the bus as its own consumer group: counts, latencies and the console lines.
  const latency = new LatencyRecorder();
  const counts = { opportunities: 0, orders: 0, outcomes: 0 };
  const blocks = { from: -1, to: -1 };
  const seenAtOf = new Map<string, number>();
  let reached: () => void = () => undefined;
  const enough = new Promise<void>((r) => (reached = r));
  const group = { group: `dev-observer-${process.pid}`, consumer: "observer" };
  const subs: Subscription[] = [
    await bus.subscribe(opportunitiesTopic, group, async (b) => {
      latency.add("detect", Date.now() - b.seenAt);
      counts.opportunities += b.candidates.length;
      if (blocks.from < 0) blocks.from = b.blockNumber;
      blocks.to = Math.max(blocks.to, b.blockNumber);
      out(`block ${b.blockNumber} | ${b.candidates.length} opportunities`);
      if (p.blocks !== null && blocks.to - blocks.from + 1 >= p.blocks) reached();
    }),
    await bus.subscribe(ordersTopic, group, async ({ order, seenAt }) => {
      latency.add("decide", Date.now() - seenAt);
      seenAtOf.set(order.opportunityId, seenAt);
      counts.orders++;
    }),
    await bus.subscribe(tradesTopic, group, async (t) => {
      counts.outcomes++;
      const seenAt = seenAtOf.get(t.opportunityId);
      if (seenAt !== undefined && t.simulatedAt != null) latency.add("simulate", t.simulatedAt - seenAt);
      if (seenAt !== undefined && t.sentAt != null) latency.add("send", t.sentAt - seenAt);
      out(`  trade ${t.status}, net ${t.netWei} wei (${t.opportunityId.slice(0, 18)}…)`);
    }),
  ];
  closers.push(() => Promise.all(subs.map((s) => s.stop())));

  // The executor first: it reconciles what an earlier session left in flight before orders can reach it.
  const nonceStart = await provider.getTransactionCount(account, "latest");
  const started = new Map<BotName, BotProcess>();
  const stopAll = () => Promise.all([...started.values()].map(stopBot));
  closers.push(stopAll);
  // The executor reconciles before it is ready, and orders come only once the scanner runs: the other three start
  // side by side, the scanner after them.
  const start = (bot: BotName) => {
    const b = startBot(bot, envs[bot] as Record<string, string>, p);
    started.set(bot, b);
    return b.ready;
  };
  await Promise.all((["executor", "orchestrator", "api"] as const).map(start));
  await start("scanner");
  const processes = BOT_NAMES.map((bot) => ({ bot, pid: started.get(bot)?.child.pid ?? 0 }));
  out(
    `${p.title} --services: ${p.mode} mode, epoch ${p.epoch} | ${chain.label} | ` +
      processes.map((x) => `${x.bot} pid ${x.pid}`).join(", "),
  );

  const aborted = new Promise<void>((resolve) => {
    p.signal?.addEventListener("abort", () => resolve(), { once: true });
    if (p.signal?.aborted) resolve();
  });
  chain.startBlocks?.();
  await Promise.race([enough, aborted]);

  // No new opportunities once the scanner is gone; then the last orders through the executor and their trades to
  // the end, while blocks keep coming. Nothing more can come once the orchestrator has handled every opportunity
  // (its orders are published by then), the executor every order (it returns once a trade is sent or recorded), this
  // process has counted every order, and every order has its outcome; or patience runs out.
  const failures: string[] = [];
  const stopped = async (bot: BotName) => {
    const b = started.get(bot);
    if (!b) return;
    started.delete(bot);
    const code = await stopBot(b);
    if (code !== 0) failures.push(`${bot} exited with code ${code} on SIGTERM`);
  };
  await stopped("scanner");
  const patience = Math.max(10_000, chain.blockTimeMs * 10);
  const settled = async () => {
    if (counts.outcomes < counts.orders) return false;
    const backlog = await Promise.all([
      bus.unfinished(opportunitiesTopic, "orchestrator"),
      bus.unfinished(ordersTopic, "executor"),
      bus.unfinished(ordersTopic, group.group),
    ]);
    // Counted again: an order read meanwhile may still wait for its outcome.
    return backlog.every((n) => n === 0) && counts.outcomes >= counts.orders;
  };
  await until(settled, patience);
  for (const bot of ["orchestrator", "executor", "api"] as const) await stopped(bot);
  chain.stopBlocks?.();
  if (failures.length > 0) throw new Error(failures.join("; "));
  const nonceEnd = await provider.getTransactionCount(account, "latest");
  return {
    blocks,
    counts: { opportunities: counts.opportunities, orders: counts.orders },
    latency,
    nonceStart,
    nonceEnd,
    processes,
  };
}
