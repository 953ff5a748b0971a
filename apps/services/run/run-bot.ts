/**
 * `orion run <bot>`: one bot as a long-running service, configured by its env contract alone. In order: parse the
 * env (a bad variable is an EnvError before anything connects), serve /healthz and /readyz, wait for each dependency
 * with backoff, start the bot, run until the signal, then stop taking work and hand back what is in flight.
 */
import { readFile } from "node:fs/promises";
import type { DestinationStream, Logger } from "pino";
import { orionHome } from "../../api/home.ts";
import { bundlerEstimatesEachTrade, loadChainProfile, ProfileError, type ChainProfile } from "../../chain/index.ts";
import { botEnvSchemas, EnvError, parseEnv, resolveSecretFiles, type BotEnv } from "../../domain/env/index.ts";
import {
  controlStoreEndpoint,
  databasePlan,
  redisEndpoint,
  type DatabasePlan,
  type RedisEndpoint,
} from "../../connections/index.ts";
import type { DigestSigner } from "../../erc4337/owner.ts";
import { privateKeySigner } from "../../executor/index.ts";
import { PipelineMetrics } from "../../metrics/index.ts";
import { SnapshotError } from "../../scan/index.ts";
import type { ApiBot } from "../api.ts";
import type { BotName, BotService } from "../bot.ts";
import { chainSettings, l1FeePricing } from "../chain-settings.ts";
import { DEFAULT_GAS_MODEL, EXECUTOR_CONSUMERS } from "../defaults.ts";
import type { RelaySubmission } from "../executor.ts";
import { loadMarket, type Market } from "../market.ts";
import { Stopped } from "./backoff.ts";
import {
  openChain,
  openDatabase,
  openRedis,
  waitForDatabase,
  waitForRedis,
  Waits,
  type OpenContext,
  type SchemaDuty,
} from "./connect.ts";
import { serveHealth, type HealthServer } from "./health-server.ts";
import { startTracing } from "../../tracing/index.ts";
import { serviceLogger } from "./log.ts";
import { relaySubmission } from "./relay.ts";

export interface RunBotOptions {
  env: NodeJS.ProcessEnv;
  /** Aborted on SIGTERM/SIGINT: stop taking work and shut down. */
  signal: AbortSignal;
  /** Where the JSON log lines go (stdout by default). */
  logTo?: DestinationStream;
  /** Called once /healthz listens (tests learn the port here when PORT=0). */
  onListening?: (url: string) => void;
  /** Time given to in-flight work on stop; Cloud Run allows 10 s after SIGTERM in all. */
  graceMs?: number;
}

/** Parses the bot's env; throws EnvError naming the first variable at fault. */
export function botEnv<B extends BotName>(bot: B, env: NodeJS.ProcessEnv): BotEnv<B> {
  return parseEnv(botEnvSchemas[bot], env) as BotEnv<B>;
}

/** Where a bot trades: its chain profile (ORION_CHAIN) and the markets on that chain (ORION_POOLS). */
interface ChainPlace {
  profile: ChainProfile;
  market: Market;
}

/**
 * Reads ORION_CHAIN and ORION_POOLS: a profile or snapshot that is missing or malformed, or a snapshot of another
 * chain than the profile's, is bad configuration, reported like a bad variable.
 */
async function chainPlace(env: { ORION_CHAIN: string; ORION_POOLS: string }, raw: NodeJS.ProcessEnv) {
  let profile: ChainProfile;
  try {
    profile = await loadChainProfile(env.ORION_CHAIN, orionHome(raw));
  } catch (err) {
    // The profile's own messages name the file or the field; "--chain" is the CLI's word for this variable.
    if (err instanceof ProfileError) throw new EnvError("ORION_CHAIN", err.message.replace(/^--chain /, ""));
    throw err;
  }
  let market: Market;
  try {
    market = await loadMarket(env.ORION_POOLS, profile.wrappedNative);
  } catch (err) {
    const reason =
      err instanceof SnapshotError
        ? err.message
        : (err as { code?: string }).code === "ENOENT"
          ? "does not exist"
          : (err as Error).message;
    throw new EnvError("ORION_POOLS", `${env.ORION_POOLS}: ${reason}`);
  }
  if (market.chainId !== profile.chainId) {
    throw new EnvError(
      "ORION_POOLS",
      `${env.ORION_POOLS}: snapshot of chain ${market.chainId}, but ORION_CHAIN ${profile.name} is chain ${profile.chainId}`,
    );
  }
  return { profile, market };
}

export async function runBot(bot: BotName, o: RunBotOptions): Promise<void> {
  // Everything that can be wrong with the configuration is found here, before any connection. Secrets mounted as
  // files (`<VAR>_FILE`, GKE) become their variables first, so everything below reads one env whatever the runtime.
  const raw = resolveSecretFiles(o.env);
  const env = botEnv(bot, raw);
  const redis = redisEndpoint(raw);
  const connections: Connections = {
    redis,
    // The authoritative control store: the primary region's Redis, or this bot's own.
    control: controlStoreEndpoint(raw) ?? redis,
    database: bot === "scanner" ? null : databasePlan(raw),
    migrations: "ORION_MIGRATIONS" in env ? env.ORION_MIGRATIONS : "self",
  };
  const place = "ORION_POOLS" in env ? await chainPlace(env, raw) : null;
  // A route configured by halves is bad configuration, found here with the rest.
  const executorEnv = bot === "executor" ? (env as BotEnv<"executor">) : null;
  const route =
    executorEnv?.ORION_EXECUTION === "erc4337"
      ? userOperationRoute(executorEnv, (place as ChainPlace).market, (place as ChainPlace).profile)
      : null;
  const relay = executorEnv ? relaySubmission(executorEnv, (place as ChainPlace).profile) : null;
  const log: Logger = serviceLogger(
    { bot, level: env.LOG_LEVEL, project: env.GOOGLE_CLOUD_PROJECT, region: env.ORION_REGION },
    o.logTo,
  );
  // Spans leave by OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set (the Service component sets it); otherwise no-ops.
  const tracing = await startTracing(`orion-${bot}`, {
    env: raw,
    onError: (err) => log.warn({ err }, "spans not exported: they are lost"),
  });
  const waits = new Waits();
  const metrics = new PipelineMetrics(`orion-${bot}`);
  let service: BotService | null = null;
  const closers: OpenContext["closers"] = [];
  const c: OpenContext = { log, signal: o.signal, waits, closers, maxWaitMs: env.ORION_WAIT_MAX_MS };
  const health: { server: HealthServer | null } = { server: null };
  const listen = async () => {
    health.server = await serveHealth({
      port: env.PORT,
      host: env.HOST,
      metrics: metrics.registry,
      readiness: () => [...waits.all(), service?.readiness() ?? { ready: false, reason: `${bot} starting` }],
    });
    o.onListening?.(health.server.url);
  };
  await listen();
  log.info({ url: health.server?.url }, `${bot} starting`);

  try {
    service = await build(bot, env, raw, connections, place, c, metrics, route, relay);
    if (bot === "api" && health.server) {
      // The API serves its own /healthz and /readyz on PORT: the interim server hands the port over.
      await health.server.close();
      health.server = null;
    }
    await service.start();
    const apiUrl = bot === "api" ? (service as ApiBot).url : null;
    if (apiUrl) o.onListening?.(apiUrl);
    log.info(`${bot} ready`);
    await new Promise<void>((resolve) => {
      if (o.signal.aborted) resolve();
      o.signal.addEventListener("abort", () => resolve(), { once: true });
    });
    log.info(`${bot} stopping: no new work; in-flight work finishes or is handed back`);
    await service.stop(o.graceMs ?? 6_000);
  } catch (err) {
    if (!(err instanceof Stopped)) throw err;
  } finally {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (err) {
        log.warn({ err }, "shutdown step failed");
      }
    }
    await health.server?.close();
    await tracing?.shutdown().catch((err: unknown) => log.warn({ err }, "spans not flushed"));
    log.info(`${bot} stopped`);
    log.flush?.();
  }
}

type AnyBotEnv = BotEnv<BotName>;

/** Where a bot's Redis and PostgreSQL are, decided from its env before anything connects. */
interface Connections {
  redis: RedisEndpoint;
  /** The authoritative control store (mode, kill switch, limits): `redis` itself unless ORION_CONTROL_REDIS_* say. */
  control: RedisEndpoint;
  /** Null for the scanner, which keeps no database. */
  database: DatabasePlan | null;
  /** Who migrates the schema (ORION_MIGRATIONS): the bot itself, or a job it waits for. */
  migrations: "self" | "external";
}

async function build(
  bot: BotName,
  env: AnyBotEnv,
  rawEnv: NodeJS.ProcessEnv,
  where: Connections,
  place: ChainPlace | null,
  c: OpenContext,
  metrics: PipelineMetrics,
  route: ReturnType<typeof userOperationRoute> | null,
  relay: RelaySubmission | null,
): Promise<BotService> {
  const redis = (e: Pick<BotEnv<"orchestrator">, "ORION_KEY_PREFIX" | "ORION_BUS_PREFIX">) =>
    openRedis(
      {
        endpoint: where.redis,
        control: where.control,
        keyPrefix: e.ORION_KEY_PREFIX,
        busPrefix: e.ORION_BUS_PREFIX ?? e.ORION_KEY_PREFIX,
      },
      c,
    );
  const database = () => where.database as DatabasePlan;
  const duty: SchemaDuty = where.migrations === "external" ? "await" : "migrate";
  // Each bot's module is imported when that bot is built: a process runs one bot, and importing all four cost every
  // bot the API's (fastify, argon2, swagger) and the others' dependencies, about 2 s of CPU at each start.
  switch (bot) {
    case "scanner": {
      const e = env as BotEnv<"scanner">;
      const { profile, market: m } = place as ChainPlace;
      const provider = await openChain({ urls: e.RPC_URLS.requests, chainId: m.chainId }, c);
      // A ws(s) URL among them: new heads by subscription (WebSocketHeads checks its chain id, and polls over the
      // http(s) ones whenever the socket cannot serve).
      const headsUrl = e.RPC_URLS.heads[0];
      const { bus, control } = await redis(e);
      // The profile prices, bids and paces exactly as in an `orion trade` session (one code path, chainSettings).
      const chain = chainSettings(profile);
      const l1Fee = await l1FeePricing(chain.gasModel, m.chainId);
      const { ScannerBot } = await import("../scanner.ts");
      return new ScannerBot(
        {
          market: m,
          maxHops: e.ORION_MAX_HOPS,
          tipWei: chain.tipWei,
          pollMs: chain.pollMs,
          ...(l1Fee ? { l1Fee } : {}),
          ...(headsUrl ? { headsUrl } : {}),
        },
        { provider, bus, control, metrics, log: c.log },
      );
    }
    case "orchestrator": {
      const e = env as BotEnv<"orchestrator">;
      const { bus, control } = await redis(e);
      const { write: db } = await openDatabase(database(), c, duty);
      const { OrchestratorBot } = await import("../orchestrator.ts");
      return new OrchestratorBot({ gas: DEFAULT_GAS_MODEL }, { bus, control, db, metrics, log: c.log });
    }
    case "executor": {
      const e = env as BotEnv<"executor">;
      const { profile, market: m } = place as ChainPlace;
      // A user operation waits for a bundler, so its deadline is longer (chainSettings' "erc4337" route).
      const chain = chainSettings(profile, route ? "erc4337" : "eoa");
      const provider = await openChain({ urls: e.RPC_URLS.requests, chainId: m.chainId }, c);
      const { bus, control } = await redis(e);
      // The journal and the lease need the latest write: the executor reads and writes the primary only.
      const { write: db } = await openDatabase(database(), c, duty);
      // Live only, one connection to KMS: its key signs the EOA route's transactions and owns the smart account.
      let kms: ReturnType<typeof kmsSigner> | null = null;
      const kmsKey = e.ORION_SIGNER_KMS;
      const kmsOnce = kmsKey ? () => (kms ??= kmsSigner(kmsKey, e, c)) : null;
      const { ExecutorBot } = await import("../executor.ts");
      return new ExecutorBot(
        {
          market: m,
          contract: e.ORION_EXECUTOR_CONTRACT,
          account: e.ORION_EXECUTOR_ACCOUNT,
          tipWei: chain.tipWei,
          gas: DEFAULT_GAS_MODEL,
          deadlineBlocks: chain.deadline.blocks,
          deadlineSeconds: chain.deadline.seconds,
          fees: chain.fees,
          confirmations: chain.confirmations,
          receiptPollMs: chain.receiptPollMs,
          consumers: EXECUTOR_CONSUMERS,
          ...(route ? { userOperations: route.config } : {}),
          flashLenders: chain.flashLenders,
          ...(relay ? { relay } : {}),
          // A ws(s) URL among them: its own heads by subscription, as the scanner's.
          ...(e.RPC_URLS.heads[0] ? { heads: { url: e.RPC_URLS.heads[0], pollMs: chain.pollMs } } : {}),
        },
        {
          provider,
          bus,
          control,
          db,
          loadSigner: () => (kmsOnce ? kmsOnce() : fileSigner(e)),
          ...(route ? { loadSubmitter: () => route.loadSubmitter(kmsOnce) } : {}),
          metrics,
          log: c.log,
        },
      );
    }
    case "api": {
      const e = env as BotEnv<"api">;
      // The API opens its own connections; waiting here keeps /readyz false and the reason logged until they answer.
      await waitForRedis(where.redis, c);
      if (where.control !== where.redis) await waitForRedis(where.control, c, "the control store");
      // Migrating itself, the API does so at start (as DATABASE_OWNER_URL when set, never as its serving role).
      await waitForDatabase(database(), c, duty === "await" ? "await" : "connect");
      const { ApiBot } = await import("../api.ts");
      return new ApiBot(
        { env: rawEnv, port: e.PORT, host: e.HOST, logLevel: e.LOG_LEVEL },
        { metrics: metrics.registry },
      );
    }
  }
}

/** The cloud's signer: the key stays in the KMS HSM; loaded (like the file's) only when the executor starts live. */
async function kmsSigner(keyVersion: string, e: BotEnv<"executor">, c: OpenContext) {
  // Imported here: the KMS client library is heavy, and sim executors and local runs never need it.
  const { KmsSigner } = await import("../../executor/kms-signer.ts");
  const signer = await KmsSigner.connect({ keyVersion });
  c.closers.push(() => signer.close());
  if (signer.address !== e.ORION_EXECUTOR_ACCOUNT) {
    throw new EnvError("ORION_SIGNER_KMS", `is the key of ${signer.address}, not ORION_EXECUTOR_ACCOUNT`);
  }
  return signer;
}

/**
 * Live mode only (safety invariant 1): the key is read when the executor starts live, never in sim. It must be the
 * key of ORION_EXECUTOR_ACCOUNT (on the ERC-4337 route: the smart account's owner).
 */
async function readKeyFile(e: BotEnv<"executor">): Promise<string> {
  const file = e.ORION_SIGNER_KEY_FILE;
  if (!file) throw new EnvError("ORION_SIGNER_KEY_FILE", "is not set: a live executor needs a signer");
  const key = (await readFile(file, "utf8")).trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(key))
    throw new EnvError("ORION_SIGNER_KEY_FILE", `${file}: not a 0x-hex private key`);
  const { address } = privateKeySigner(key);
  if (address !== e.ORION_EXECUTOR_ACCOUNT) {
    throw new EnvError("ORION_SIGNER_KEY_FILE", `holds the key of ${address}, not ORION_EXECUTOR_ACCOUNT`);
  }
  return key;
}

async function fileSigner(e: BotEnv<"executor">) {
  return privateKeySigner(await readKeyFile(e));
}

/**
 * `ORION_EXECUTION=erc4337`: the smart account and its contract from the env (both modes: sim simulates from the
 * account); live only, the bundler, the paymaster service and the owner: the KMS key (it signs each operation's
 * EIP-712 digest in the HSM) or, locally, the key file.
 */
export function userOperationRoute(
  e: BotEnv<"executor">,
  m: Pick<Market, "chainId">,
  profile: Pick<ChainProfile, "bundlerEstimatesEachTrade">,
) {
  const needed = (variable: "ORION_ENTRY_POINT" | "ORION_SMART_ACCOUNT" | "ORION_SMART_ACCOUNT_CONTRACT") => {
    const value = e[variable];
    if (!value) throw new EnvError(variable, `is not set: ORION_EXECUTION=erc4337 needs it (${DESCRIBED[variable]})`);
    return value;
  };
  const config = {
    account: needed("ORION_SMART_ACCOUNT"),
    contract: needed("ORION_SMART_ACCOUNT_CONTRACT"),
    owner: e.ORION_EXECUTOR_ACCOUNT,
    entryPoint: needed("ORION_ENTRY_POINT"),
    fallbackToEoa: e.ORION_EOA_FALLBACK,
    estimateEachTrade: bundlerEstimatesEachTrade(profile),
  };
  const loadSubmitter = async (kms: (() => Promise<DigestSigner>) | null) => {
    const bundlerUrl = e.ORION_BUNDLER_URL;
    const paymasterUrl = e.ORION_PAYMASTER_URL;
    if (!bundlerUrl) throw new EnvError("ORION_BUNDLER_URL", "is not set: a live erc4337 executor sends through it");
    if (!paymasterUrl) throw new EnvError("ORION_PAYMASTER_URL", "is not set: a live erc4337 executor is sponsored");
    const { connectSmartAccount, digestOwner, keyOwner, RouteConfigError } = await import("../../erc4337/index.ts");
    const owner = kms ? digestOwner(await kms()) : keyOwner(await readKeyFile(e));
    try {
      const route = await connectSmartAccount({
        rpcUrl: e.RPC_URLS.requests[0] as string,
        bundlerUrl,
        paymasterUrl,
        chainId: m.chainId,
        entryPoint: config.entryPoint,
        owner,
        expectedAccount: config.account,
        timeoutMs: e.ORION_BUNDLER_TIMEOUT_MS,
      });
      await route.deploy();
      return route;
    } catch (err) {
      if (!(err instanceof RouteConfigError)) throw err;
      const variable = {
        entryPoint: "ORION_ENTRY_POINT",
        bundlerUrl: "ORION_BUNDLER_URL",
        account: "ORION_SMART_ACCOUNT",
      };
      throw new EnvError(variable[err.field], err.message);
    }
  };
  return { config, loadSubmitter };
}

const DESCRIBED = {
  ORION_ENTRY_POINT: "the EntryPoint v0.8",
  ORION_SMART_ACCOUNT: "the smart account that sends the operations",
  ORION_SMART_ACCOUNT_CONTRACT: "the ArbExecutor the smart account owns",
} as const;
