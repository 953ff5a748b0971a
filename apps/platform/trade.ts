import { join } from "node:path";
import { Wallet } from "ethers";
import type { ChainProfile, FailoverProvider } from "../chain/index.ts";
import { discover } from "../discover/index.ts";
import {
  deadlinePolicy,
  privateKeySigner,
  simulatedExecutor,
  type FeePolicy,
  type FlashLenderConfig,
} from "../executor/index.ts";
import type { SmartAccountRoute } from "../erc4337/index.ts";
import {
  DEADLINE_BLOCKS,
  EXECUTOR_TIP_WEI,
  loadMarket,
  USER_OPERATION_DEADLINE_BLOCKS,
  type Market,
} from "../services/index.ts";
import { runSession, type DevSession, type SessionChain, type SessionOptions } from "./session.ts";

const TRADE_CONFIRMATIONS = 2;

/** What a live `orion trade` needs that a sim one must not have: the deployed contract and its owner's key. */
export interface LiveExecutor {
  contract: string;
  /** The owner's private key; read only here, in live mode. */
  privateKey: string;
  /** The relay's reputation key and bid, when the profile names a relayUrl. */
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

export interface TradeOptions extends Omit<SessionOptions, "title"> {
  profile: ChainProfile;
  /** Connected and checked against the profile's chain id (connectChain). The session destroys it at the end. */
  provider: FailoverProvider;
  /** A ws(s) URL: heads from its newHeads subscription; null polls the provider, paced by the block time. */
  headsUrl?: string | null;
  /** A pool snapshot to trade; null discovers the profile's DEXes first (incrementally, into dataDir/snapshots/). */
  pools: string | null;
  /** Required for live; never given in sim. */
  live: LiveExecutor | null;
  /** The ERC-4337 route; null: trades are transactions from the executor's account. */
  userOperations?: TradeUserOperations | null;
}

/**
 * `orion trade`: a trading session against the chain a profile names, over the user's RPC URLs; nothing is deployed
 * and no devnet runs. In sim no key exists at all: every order is simulated against the latest block with the
 * executor contract's code injected by state override, from an account nobody holds a key for.
 */
export async function runTrade(o: TradeOptions): Promise<DevSession> {
  const { profile, provider, headsUrl, pools, live, userOperations, ...session } = o;
  return runSession({ ...session, title: "orion trade" }, async (): Promise<SessionChain> => {
    const market = await marketOf(profile, provider, pools, o);
    const fees: FeePolicy = { type: profile.fees.type, minPriorityFeeWei: BigInt(profile.fees.minPriorityFeeWei) };
    // The usual tip, raised to the chain's floor where it has one: the orders are costed at what will be paid.
    const tipWei = fees.minPriorityFeeWei > EXECUTOR_TIP_WEI ? fees.minPriorityFeeWei : EXECUTOR_TIP_WEI;
    const executor =
      o.mode === "live" && live
        ? {
            contract: live.contract.toLowerCase(),
            account: new Wallet(live.privateKey).address.toLowerCase(),
            loadSigner: () => privateKeySigner(live.privateKey),
            ...(profile.relayUrl && live.relay ? { relay: { url: profile.relayUrl, ...live.relay } } : {}),
          }
        : {
            ...(await simulatedExecutor(provider)),
            loadSigner: (): never => {
              throw new Error("a sim session on a foreign chain has no executor key; live needs ORION_EXECUTOR_KEY");
            },
          };
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
      market,
      blockTimeMs: profile.blockTimeMs,
      gasModel: profile.gasModel,
      // A few looks per block: new heads are seen promptly without hammering a paid endpoint.
      pollMs: Math.max(50, Math.floor(profile.blockTimeMs / 4)),
      ...(headsUrl ? { headsUrl } : {}),
      // A foreign chain can reorganise: a live trade is final two blocks on top of its own.
      // On Arbitrum the contract's block.number is not the L2 block: the time deadline binds there instead.
      executor: {
        ...executor,
        fees,
        tipWei,
        confirmations: TRADE_CONFIRMATIONS,
        deadline: deadlinePolicy(
          profile.gasModel,
          profile.blockTimeMs,
          viaUserOperations ? USER_OPERATION_DEADLINE_BLOCKS : DEADLINE_BLOCKS,
        ),
        ...(viaUserOperations ? { userOperations: viaUserOperations } : {}),
        flashLenders: flashLendersOf(profile),
      },
      close: async () => provider.destroy(),
    };
  });
}

/** The profile's Aave pool and Balancer vault, as the executor's lenders (V3 pools lend without being named). */
export function flashLendersOf(profile: ChainProfile): FlashLenderConfig {
  const of = (protocol: "aave-v3" | "balancer-v2") => profile.lenders?.find((l) => l.protocol === protocol)?.address;
  const aaveV3Pool = of("aave-v3");
  const balancerVault = of("balancer-v2");
  return { ...(aaveV3Pool ? { aaveV3Pool } : {}), ...(balancerVault ? { balancerVault } : {}) };
}

async function marketOf(
  profile: ChainProfile,
  provider: FailoverProvider,
  pools: string | null,
  o: TradeOptions,
): Promise<Market> {
  let file = pools;
  if (file === null) {
    file = join(o.dataDir, "snapshots", `${profile.name}.json`);
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
