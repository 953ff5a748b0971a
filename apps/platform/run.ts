import type { Logger } from "pino";
import { FailoverProvider } from "../chain/index.ts";
import type { Mode } from "../control/index.ts";
import type { ExecutionRouteKind } from "../domain/index.ts";
import { privateKeySigner } from "../executor/index.ts";
import { startDevnetProcess } from "./devnet-host.ts";
import { startDevnetBundler, type DevnetAccountAbstraction, type DevnetBundler } from "./user-operations.ts";
import { runSession, type DevSession } from "./session.ts";

export type { DevSession } from "./session.ts";

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
  /** Each bot in its own OS process (`orion run <bot>`). */
  services?: boolean;
  /** eoa (default) or erc4337: user operations of the executor key's smart account, through a local alto. */
  execution?: ExecutionRouteKind;
  /** ERC-4337: send from the EOA when the bundler is down or slower than bundlerTimeoutMs (else reject). */
  eoaFallback?: boolean;
  /** ERC-4337: the bound on each bundler call. Default 5000 ms. */
  bundlerTimeoutMs?: number;
}

/**
 * `orion dev`: a trading session against a devnet on 127.0.0.1 with seeded markets and simulated traders, started in
 * its own process. Everything else (PostgreSQL, Redis, the four bots, the report) is the session's.
 */
export async function runDev(o: DevOptions): Promise<DevSession> {
  const { blockIntervalMs, seed, eoaFallback, bundlerTimeoutMs, ...session } = o;
  const erc4337 = o.execution === "erc4337";
  return runSession({ ...session, title: "orion dev" }, async () => {
    const chain = await startDevnetProcess({
      seed: seed ?? 1,
      withExecutorKey: o.mode === "live",
      accountAbstraction: erc4337,
    });
    const aa = chain.accountAbstraction;
    let bundler: Promise<DevnetBundler> | null = null;
    const key = chain.executor.privateKey;
    // Live sessions only, once: alto and the sponsor's paymaster service run while the session does, and stop with
    // it; the smart account is deployed before the first trade.
    const startBundler = (a: DevnetAccountAbstraction) => {
      bundler ??= (async () => {
        if (!key) throw new Error("live mode needs the executor's key, and the devnet did not provide it");
        // alto deploys its simulation contracts at start and waits for them to be mined: blocks come meanwhile,
        // before the session's own interval mining starts.
        chain.setBlockInterval(200);
        try {
          const started = await startDevnetBundler({
            rpcUrl: chain.url,
            chainId: chain.markets.chainId,
            aa: a,
            ownerKey: key,
            blockTimeMs: blockIntervalMs,
            timeoutMs: bundlerTimeoutMs ?? 5_000,
          });
          o.out(
            `bundler: alto (pid ${started.bundler.pid}) at ${started.bundler.url}, paymaster service at ` +
              `${started.paymaster.url}, smart account ${a.account}`,
          );
          return started;
        } finally {
          chain.setBlockInterval(0);
        }
      })();
      return bundler;
    };
    const { markets } = chain;
    const provider = FailoverProvider.fromUrls([chain.url], {
      chainId: markets.chainId,
      ...(o.log ? { log: o.log } : {}),
    });
    return {
      name: null,
      label: `devnet ${chain.url}`,
      provider,
      rpcUrls: [chain.url],
      market: {
        chainId: markets.chainId,
        tokens: markets.tokens,
        baseTokens: [markets.baseToken],
        pools: markets.pools,
        wrappedNative: markets.baseToken,
      },
      blockTimeMs: blockIntervalMs,
      executor: {
        contract: markets.executor.address,
        account: chain.executor.address,
        flashLenders: {
          ...(markets.aaveV3 ? { aaveV3Pool: markets.aaveV3.pool } : {}),
          ...(markets.balancerV2 ? { balancerVault: markets.balancerV2.vault } : {}),
          // The devnet's V3 pools lend too (a `flash`), each at its own fee.
          ...(markets.v3 ? { v3Pools: markets.v3.pools } : {}),
        },
        devnetKey: key,
        loadSigner: () => {
          if (!key) throw new Error("live mode needs the executor's key, and the devnet did not provide it");
          return privateKeySigner(key);
        },
        ...(aa
          ? {
              userOperations: {
                account: aa.account,
                contract: aa.executor,
                owner: chain.executor.address,
                entryPoint: aa.entryPoint,
                fallbackToEoa: eoaFallback ?? false,
                timeoutMs: bundlerTimeoutMs ?? 5_000,
                loadSubmitter: async () => (await startBundler(aa)).submitter,
                endpoints: async () => {
                  const { bundler: alto, paymaster } = await startBundler(aa);
                  return { bundlerUrl: alto.url, paymasterUrl: paymaster.url };
                },
              },
            }
          : {}),
      },
      startBlocks: () => chain.setBlockInterval(blockIntervalMs),
      stopBlocks: () => chain.setBlockInterval(0),
      close: async () => {
        // A bundler that failed to start has closed itself already.
        await bundler?.then((b) => b.close()).catch(() => undefined);
        provider.destroy();
        await chain.close();
      },
    };
  });
}
