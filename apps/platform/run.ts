import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { bundlerEstimatesEachTrade, connectChain, loadChainProfile, type FailoverProvider } from "../chain/index.ts";
import type { Mode } from "../control/index.ts";
import type { ExecutionRouteKind } from "../domain/index.ts";
import { DEFAULT_BID_SHARE_BPS } from "../domain/env/index.ts";
import { startDevRelay, type DevRelay } from "./dev-relay.ts";
import { deployDevnetContracts, startOrionDevnet, withBlockInterval, type OrionDevnet } from "./devnet-host.ts";
import { runSession, type DevSession, type SessionChain } from "./session.ts";
import { tradeChain } from "./trade.ts";
import { startDevnetBundler, type DevnetAccountAbstraction, type DevnetBundler } from "./user-operations.ts";

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
  /** With `services`: the orion install the bots' processes start from (`--bots-from`); default this checkout. */
  botsFrom?: string;
  /** eoa (default) or erc4337: user operations of the executor key's smart account, through a local alto. */
  execution?: ExecutionRouteKind;
  /** ERC-4337: send from the EOA when the bundler is down or slower than bundlerTimeoutMs (else reject). */
  eoaFallback?: boolean;
  /** ERC-4337: the bound on each bundler call. Default 5000 ms. */
  bundlerTimeoutMs?: number;
  /**
   * The devnet's blocks built by a local bundle relay, and live trades sent to it as bundles with a profit-share bid
   * (`orion dev --relay`): the cloud executor's submission, on the laptop. The EOA route only.
   */
  relay?: boolean;
}

/**
 * `orion dev`: `orion devnet` started in its own process and then treated as any foreign chain: its chain profile
 * (the file it writes), its JSON-RPC URL, discovery of the profile's DEXes, and the same session as `orion trade`
 * (tradeChain). The session deploys its own ArbExecutor (and, for --execution erc4337, the ERC-4337 contracts) over
 * JSON-RPC from a public devnet account, as a user deploys theirs on a real chain; nothing is read from the devnet's
 * memory.
 */
export async function runDev(o: DevOptions): Promise<DevSession> {
  const { blockIntervalMs, seed, eoaFallback, bundlerTimeoutMs, relay: relayed, ...session } = o;
  const erc4337 = o.execution === "erc4337";
  if (erc4337 && relayed) throw new Error("relay: the EOA route only (user operations go through the bundler)");
  return runSession({ ...session, title: "orion dev" }, async (): Promise<SessionChain> => {
    const dir = join(o.dataDir, "sessions", `devnet-${process.pid}-${Date.now()}`);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    let devnet: OrionDevnet | null = null;
    let provider: FailoverProvider | null = null;
    let relay: DevRelay | null = null;
    const release = async () => {
      await relay?.close();
      provider?.destroy();
      await devnet?.stop();
      await rm(dir, { recursive: true, force: true });
    };
    try {
      devnet = await startOrionDevnet({
        profileFile: join(dir, "devnet.json"),
        blockTimeMs: blockIntervalMs,
        seed: seed ?? 1,
        home: o.dataDir,
      });
      const profile = await loadChainProfile(devnet.profileFile, o.dataDir);
      provider = await connectChain(profile, [devnet.url], o.log ? { log: o.log } : {});
      const url = devnet.url;
      const p = provider;
      const { contract, owner, aa } = await deployDevnetContracts(p, { erc4337, blockTimeMs: blockIntervalMs });
      relay = relayed ? await startDevRelay(p, blockIntervalMs, o.out) : null;
      const chain = await tradeChain({
        mode: o.mode,
        // The relay as a profile names one: the session takes it exactly as from a real chain's profile.
        profile: relay ? { ...profile, relayUrl: relay.url } : profile,
        profileFile: devnet.profileFile,
        provider,
        // The node serves WebSocket on the same port: heads arrive as they are mined, as from any ws(s) --rpc URL.
        headsUrl: url.replace(/^http/, "ws"),
        pools: null,
        snapshot: join(dir, "pools.json"),
        // Safety invariant 1: only a live session is given the owner's key.
        executor: {
          contract,
          account: owner.address,
          privateKey: o.mode === "live" ? owner.privateKey : null,
          ...(relay ? { relay: { reputationKey: relay.reputationKey, bidShareBps: DEFAULT_BID_SHARE_BPS } } : {}),
        },
        route: erc4337 ? "erc4337" : "eoa",
        dataDir: o.dataDir,
        out: o.out,
        ...(o.log ? { log: o.log } : {}),
      });
      const route = aa
        ? userOperationsRoute({
            aa,
            owner,
            provider: p,
            rpcUrl: url,
            chainId: profile.chainId,
            blockTimeMs: blockIntervalMs,
            fallbackToEoa: eoaFallback ?? false,
            estimateEachTrade: bundlerEstimatesEachTrade(profile),
            bundlerTimeoutMs: bundlerTimeoutMs ?? 5_000,
            out: o.out,
          })
        : null;
      const blocks = relay ? { startBlocks: relay.startBlocks, stopBlocks: relay.stopBlocks } : {};
      return {
        ...chain,
        ...blocks,
        label: `devnet ${url}`,
        executor: { ...chain.executor, ...(route ? { userOperations: route.userOperations } : {}) },
        close: async () => {
          await route?.close();
          await release();
        },
      };
    } catch (err) {
      await release();
      throw err;
    }
  });
}

/**
 * The ERC-4337 route through the session's smart account. Alto and the sponsor's paymaster service start once, for a
 * live session only (the executor's submitter, or bots in their own processes asking for the endpoints), run while
 * the session does, and stop with it.
 */
function userOperationsRoute(o: {
  aa: DevnetAccountAbstraction;
  owner: { address: string; privateKey: string };
  provider: FailoverProvider;
  rpcUrl: string;
  chainId: number;
  blockTimeMs: number;
  fallbackToEoa: boolean;
  estimateEachTrade: boolean;
  bundlerTimeoutMs: number;
  out: (line: string) => void;
}): { userOperations: NonNullable<SessionChain["executor"]["userOperations"]>; close: () => Promise<void> } {
  let bundler: Promise<DevnetBundler> | null = null;
  const start = () => {
    // alto deploys its simulation contracts at start and waits for them to be mined.
    bundler ??= withBlockInterval(o.provider, 200, o.blockTimeMs, () =>
      startDevnetBundler({
        rpcUrl: o.rpcUrl,
        chainId: o.chainId,
        aa: o.aa,
        ownerKey: o.owner.privateKey,
        blockTimeMs: o.blockTimeMs,
        timeoutMs: o.bundlerTimeoutMs,
      }),
    ).then((started) => {
      o.out(
        `bundler: alto (pid ${started.bundler.pid}) at ${started.bundler.url}, paymaster service at ` +
          `${started.paymaster.url}, smart account ${o.aa.account}`,
      );
      return started;
    });
    return bundler;
  };
  return {
    userOperations: {
      account: o.aa.account,
      contract: o.aa.executor,
      owner: o.owner.address,
      entryPoint: o.aa.entryPoint,
      fallbackToEoa: o.fallbackToEoa,
      estimateEachTrade: o.estimateEachTrade,
      timeoutMs: o.bundlerTimeoutMs,
      loadSubmitter: async () => (await start()).submitter,
      endpoints: async () => {
        const { bundler: alto, paymaster } = await start();
        return { bundlerUrl: alto.url, paymasterUrl: paymaster.url };
      },
    },
    // A bundler that failed to start has closed itself already.
    close: async () => {
      await bundler?.then((b) => b.close()).catch(() => undefined);
    },
  };
}
