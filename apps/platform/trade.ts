import { join } from "node:path";
import type { Logger } from "pino";
import { bundlerEstimatesEachTrade, type ChainProfile, type FailoverProvider } from "../chain/index.ts";
import type { Mode } from "../control/index.ts";
import { discover } from "../discover/index.ts";
import type { SmartAccountRoute } from "../erc4337/index.ts";
import { privateKeySigner, simulatedExecutor } from "../executor/index.ts";
import { chainSettings, loadMarket, type Market } from "../services/index.ts";
import { runSession, type DevSession, type SessionChain, type SessionOptions } from "./session.ts";

/** An ArbExecutor deployed on the chain and the account that owns it. */
export interface DeployedExecutor {
  contract: string;
  account: string;
  /** The owner's private key: given for live only, read only there; null in sim. */
  privateKey: string | null;
  /** The relay's reputation key and bid, when the profile names a relayUrl (live only). */
  relay?: { reputationKey: string; bidShareBps: number } | undefined;
}

/**
 * `--execution erc4337` on a profile that names an EntryPoint, a bundler and a paymaster service (checked by the
 * command): the smart account of the live key, connected but not yet deployed; null in sim, where no key exists.
 */
export interface TradeUserOperations {
  entryPoint: string;
  route: SmartAccountRoute | null;
  /** The bound on every bundler and paymaster call: slower counts as the route being down. */
  timeoutMs: number;
}

/** The chain a session trades on, as any chain is named: its profile, an RPC connection, the markets. */
export interface ChainOptions {
  mode: Mode;
  profile: ChainProfile;
  /** The profile's file, handed to bots started in their own processes (ORION_CHAIN). */
  profileFile: string;
  /** Connected and checked against the profile's chain id (connectChain). The session destroys it at the end. */
  provider: FailoverProvider;
  /** A ws(s) URL: heads from its newHeads subscription; null polls the provider, paced by the block time. */
  headsUrl?: string | null;
  /** A pool snapshot to trade; null discovers the profile's DEXes first (incrementally, into `snapshot`). */
  pools: string | null;
  /** Where discovery writes its snapshot. Default dataDir/snapshots/<profile name>.json. */
  snapshot?: string;
  /**
   * The deployed contract to trade through (required for live). Null (sim only): nothing is deployed and no key
   * exists; every order is simulated with the contract's code injected by state override.
   */
  executor: DeployedExecutor | null;
  /** `orion trade --execution erc4337`: the route, whose account, owner and submitter are made here. */
  userOperations?: TradeUserOperations | null;
  /**
   * The execution route, for a caller that adds its own `executor.userOperations` (orion dev's devnet bundler): a
   * user operation is given the longer deadline the bundler needs. Default eoa, or erc4337 with `userOperations`.
   */
  route?: "eoa" | "erc4337";
  dataDir: string;
  out: (line: string) => void;
  log?: Logger;
}

export interface TradeOptions extends Omit<SessionOptions, "title">, Omit<ChainOptions, "out" | "log" | "mode"> {}

/**
 * `orion trade`: a trading session against the chain a profile names, over the user's RPC URLs; nothing is deployed
 * and no devnet runs. In sim no key exists at all: every order is simulated against the latest block with the
 * executor contract's code injected by state override, from an account nobody holds a key for.
 */
export async function runTrade(o: TradeOptions): Promise<DevSession> {
  const { profile, profileFile, provider, headsUrl, pools, snapshot, executor, userOperations, route, ...session } = o;
  return runSession({ ...session, title: "orion trade" }, () =>
    tradeChain({
      mode: o.mode,
      profile,
      profileFile,
      provider,
      headsUrl: headsUrl ?? null,
      pools,
      ...(snapshot ? { snapshot } : {}),
      executor,
      ...(userOperations ? { userOperations } : {}),
      ...(route ? { route } : {}),
      dataDir: o.dataDir,
      out: o.out,
      ...(o.log ? { log: o.log } : {}),
    }),
  );
}

/**
 * The session's chain from a profile and a connection: the markets (a snapshot, or discovery), the executor, and what
 * the profile decides about fees, deadlines, finality and head polling (chainSettings, as `orion run` uses it).
 * `orion trade` and `orion dev` (whose devnet is a profile like any other) both trade through this.
 */
export async function tradeChain(o: ChainOptions): Promise<SessionChain> {
  const { profile, provider } = o;
  const market = await marketOf(o);
  const settings = chainSettings(profile, o.userOperations ? "erc4337" : (o.route ?? "eoa"));
  if (o.mode === "live" && !o.executor?.privateKey) {
    throw new Error("live mode needs the deployed executor contract and its owner's key");
  }
  const deployed = o.executor;
  const executor = deployed
    ? {
        contract: deployed.contract.toLowerCase(),
        account: deployed.account.toLowerCase(),
        // Safety invariant 1: the key is handed on, and a signer made, in a live session only.
        devnetKey: o.mode === "live" ? deployed.privateKey : null,
        loadSigner: () => {
          if (!deployed.privateKey) throw new Error("a sim session holds no executor key");
          return privateKeySigner(deployed.privateKey);
        },
        ...(o.mode === "live" && profile.relayUrl && deployed.relay
          ? { relay: { url: profile.relayUrl, ...deployed.relay } }
          : {}),
      }
    : {
        ...(await simulatedExecutor(provider)),
        loadSigner: (): never => {
          throw new Error("a sim session on a foreign chain has no executor key; live needs ORION_EXECUTOR_KEY");
        },
      };
  const userOperations = o.userOperations;
  const route = userOperations?.route ?? null;
  const viaUserOperations = userOperations
    ? {
        // Live: the key's smart account, owner of the contract (checked by the command). Sim: the simulated
        // account, whose injected contract it owns; the inner call is the same either way.
        account: route ? route.address.toLowerCase() : executor.account,
        contract: executor.contract,
        owner: executor.account,
        entryPoint: userOperations.entryPoint,
        fallbackToEoa: false,
        estimateEachTrade: bundlerEstimatesEachTrade(profile),
        timeoutMs: userOperations.timeoutMs,
        loadSubmitter: async () => {
          if (!route) throw new Error("the ERC-4337 route has no owner key: live needs ORION_EXECUTOR_KEY");
          // Its first, sponsored operation, if it has no code yet: nothing of a trade runs beside that one.
          await route.deploy();
          o.out(`smart account ${route.address.toLowerCase()}: user operations through the profile's bundler`);
          return route;
        },
      }
    : null;
  return {
    name: profile.name,
    label: `${profile.name} ${provider.activeEndpoint}`,
    provider,
    profileFile: o.profileFile,
    rpcUrls: provider.endpoints,
    market,
    blockTimeMs: profile.blockTimeMs,
    gasModel: settings.gasModel,
    pollMs: settings.pollMs,
    ...(o.headsUrl ? { headsUrl: o.headsUrl } : {}),
    executor: {
      ...executor,
      fees: settings.fees,
      tipWei: settings.tipWei,
      confirmations: settings.confirmations,
      receiptPollMs: settings.receiptPollMs,
      deadline: settings.deadline,
      ...(viaUserOperations ? { userOperations: viaUserOperations } : {}),
      flashLenders: settings.flashLenders,
    },
    close: async () => provider.destroy(),
  };
}

async function marketOf(o: ChainOptions): Promise<Market> {
  const { profile, provider } = o;
  let file = o.pools;
  if (file === null) {
    file = o.snapshot ?? join(o.dataDir, "snapshots", `${profile.name}.json`);
    const { summary } = await discover({
      profile,
      provider,
      out: file,
      minLiquidity: 1000n,
      progress: (line) => o.log?.info(line),
    });
    o.out(
      `discovered ${summary.pools.kept} pools on ${profile.name} at block ${summary.blockNumber} ` +
        `(${summary.tokens.taxed.length} taxed and ${summary.tokens.blocked.length} blocked tokens left out): ${file}`,
    );
  }
  const market = await loadMarket(file, profile.wrappedNative);
  if (market.chainId !== profile.chainId) {
    throw new Error(
      `${file}: snapshot of chain ${market.chainId}, but profile ${profile.name} is chain ${profile.chainId}`,
    );
  }
  return market;
}
