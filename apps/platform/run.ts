import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { Interface } from "ethers";
import type { Logger } from "pino";
import {
  connectChain,
  deploy,
  devAccounts,
  loadChainProfile,
  type DevAccount,
  type Eip1193,
  type FailoverProvider,
} from "../chain/index.ts";
import { loadArtifacts } from "../contracts/index.ts";
import type { Mode } from "../control/index.ts";
import type { ExecutionRouteKind } from "../domain/index.ts";
import { startOrionDevnet, type OrionDevnet } from "./devnet-host.ts";
import { runSession, type DevSession, type SessionChain } from "./session.ts";
import { tradeChain } from "./trade.ts";
import {
  deployDevnetAccountAbstraction,
  startDevnetBundler,
  type DevnetAccountAbstraction,
  type DevnetBundler,
} from "./user-operations.ts";

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

/*
 * Hardhat's public test accounts 0, 1 and 2, funded on every devnet, play the deployer of this session's contracts,
 * the executor's owner (who sends its trades) and the profit's receiver. Anyone who runs `orion devnet` knows them.
 */
/** Blocks this fast while the session deploys its contracts, so that each transaction is mined at once. */
const SETUP_BLOCK_MS = 50;

/**
 * `orion dev`: `orion devnet` started in its own process and then treated as any foreign chain: its chain profile
 * (the file it writes), its JSON-RPC URL, discovery of the profile's DEXes, and the same session as `orion trade`
 * (tradeChain). The session deploys its own ArbExecutor (and, for --execution erc4337, the ERC-4337 contracts) over
 * JSON-RPC from a public devnet account, as a user deploys theirs on a real chain; nothing is read from the devnet's
 * memory.
 */
export async function runDev(o: DevOptions): Promise<DevSession> {
  const { blockIntervalMs, seed, eoaFallback, bundlerTimeoutMs, ...session } = o;
  const erc4337 = o.execution === "erc4337";
  return runSession({ ...session, title: "orion dev" }, async (): Promise<SessionChain> => {
    const dir = join(o.dataDir, "sessions", `devnet-${process.pid}-${Date.now()}`);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    let devnet: OrionDevnet | null = null;
    let provider: FailoverProvider | null = null;
    const release = async () => {
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
      const [deployer, owner, treasury] = devAccounts(3) as [DevAccount, DevAccount, DevAccount];
      const p = provider;
      const { contract, aa } = await withBlockInterval(p, SETUP_BLOCK_MS, blockIntervalMs, async () => {
        const rpc = waitingForReceipts(p);
        const { ArbExecutor } = await loadArtifacts();
        return {
          contract: await deploy(rpc, owner.address, ArbExecutor.bytecode, new Interface(ArbExecutor.abi), [
            owner.address,
            treasury.address,
          ]),
          aa: erc4337
            ? await deployDevnetAccountAbstraction(rpc, {
                deployer: deployer.address,
                owner: owner.address,
                treasury: treasury.address,
              })
            : null,
        };
      });
      const chain = await tradeChain({
        mode: o.mode,
        profile,
        profileFile: devnet.profileFile,
        provider,
        // The node serves WebSocket on the same port: heads arrive as they are mined, as from any ws(s) --rpc URL.
        headsUrl: url.replace(/^http/, "ws"),
        pools: null,
        snapshot: join(dir, "pools.json"),
        // Safety invariant 1: only a live session is given the owner's key.
        executor: { contract, account: owner.address, privateKey: o.mode === "live" ? owner.privateKey : null },
        route: erc4337 ? "erc4337" : "eoa",
        dataDir: o.dataDir,
        out: o.out,
        ...(o.log ? { log: o.log } : {}),
      });
      let bundler: DevnetBundler | null = null;
      const route = aa
        ? userOperationsRoute({
            aa,
            owner,
            provider: p,
            rpcUrl: url,
            chainId: profile.chainId,
            blockTimeMs: blockIntervalMs,
            fallbackToEoa: eoaFallback ?? false,
            bundlerTimeoutMs: bundlerTimeoutMs ?? 5_000,
            started: (b) => {
              bundler = b;
              o.out(`bundler: alto (pid ${b.bundler.pid}) at ${b.bundler.url}, smart account ${aa.account}`);
            },
          })
        : null;
      return {
        ...chain,
        label: `devnet ${url}`,
        executor: { ...chain.executor, ...(route ? { userOperations: route } : {}) },
        close: async () => {
          await bundler?.bundler.close();
          await release();
        },
      };
    } catch (err) {
      await release();
      throw err;
    }
  });
}

/** The ERC-4337 route through the session's smart account; the bundler starts only for a live session. */
function userOperationsRoute(o: {
  aa: DevnetAccountAbstraction;
  owner: { address: string; privateKey: string };
  provider: FailoverProvider;
  rpcUrl: string;
  chainId: number;
  blockTimeMs: number;
  fallbackToEoa: boolean;
  bundlerTimeoutMs: number;
  started: (bundler: DevnetBundler) => void;
}): NonNullable<SessionChain["executor"]["userOperations"]> {
  return {
    account: o.aa.account,
    contract: o.aa.executor,
    owner: o.owner.address,
    entryPoint: o.aa.entryPoint,
    fallbackToEoa: o.fallbackToEoa,
    // Called for a live session only: the bundler runs while the session does, and stops with it.
    loadSubmitter: async () => {
      // alto deploys its simulation contracts at start and waits for them to be mined.
      const bundler = await withBlockInterval(o.provider, 200, o.blockTimeMs, () =>
        startDevnetBundler({
          rpcUrl: o.rpcUrl,
          chainId: o.chainId,
          aa: o.aa,
          ownerKey: o.owner.privateKey,
          blockTimeMs: o.blockTimeMs,
          timeoutMs: o.bundlerTimeoutMs,
        }),
      );
      o.started(bundler);
      return bundler.submitter;
    },
  };
}

/** Runs `during` with the devnet mining every `fastMs`, then back to every `normalMs` (devnet JSON-RPC). */
async function withBlockInterval<T>(
  provider: FailoverProvider,
  fastMs: number,
  normalMs: number,
  during: () => Promise<T>,
): Promise<T> {
  await provider.send("evm_setIntervalMining", [fastMs]);
  try {
    return await during();
  } finally {
    await provider.send("evm_setIntervalMining", [normalMs]);
  }
}

/**
 * The chain as the deployment helpers speak to it (EIP-1193), with each sent transaction answered only once it is
 * mined: they read its receipt right after sending, as on an automining node, and this devnet mines on an interval.
 */
function waitingForReceipts(provider: FailoverProvider): Eip1193 {
  return {
    async request({ method, params }) {
      const result = await provider.send(method, params ?? []);
      if (method === "eth_sendTransaction" || method === "eth_sendRawTransaction") {
        const deadline = Date.now() + 30_000;
        while ((await provider.send("eth_getTransactionReceipt", [result])) === null) {
          if (Date.now() > deadline) throw new Error(`transaction ${String(result)} not mined within 30 s`);
          await new Promise((r) => setTimeout(r, 10));
        }
      }
      return result;
    },
  };
}
