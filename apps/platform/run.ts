import type { Logger } from "pino";
import { FailoverProvider } from "../chain/index.ts";
import type { Mode } from "../control/index.ts";
import { privateKeySigner } from "../executor/index.ts";
import { startDevnetProcess } from "./devnet-host.ts";
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
}

/**
 * `orion dev`: a trading session against a devnet on 127.0.0.1 with seeded markets and simulated traders, started in
 * its own process. Everything else (PostgreSQL, Redis, the four bots, the report) is the session's.
 */
export async function runDev(o: DevOptions): Promise<DevSession> {
  const { blockIntervalMs, seed, ...session } = o;
  return runSession({ ...session, title: "orion dev" }, async () => {
    const chain = await startDevnetProcess({ seed: seed ?? 1, withExecutorKey: o.mode === "live" });
    const { markets } = chain;
    const provider = FailoverProvider.fromUrls([chain.url], {
      chainId: markets.chainId,
      ...(o.log ? { log: o.log } : {}),
    });
    const key = chain.executor.privateKey;
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
        devnetKey: key,
        loadSigner: () => {
          if (!key) throw new Error("live mode needs the executor's key, and the devnet did not provide it");
          return privateKeySigner(key);
        },
      },
      startBlocks: () => chain.setBlockInterval(blockIntervalMs),
      stopBlocks: () => chain.setBlockInterval(0),
      close: async () => {
        provider.destroy();
        await chain.close();
      },
    };
  });
}
