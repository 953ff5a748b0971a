/**
 * What a chain profile decides about trading on its chain: the tip and the fee policy, the deadlines, the depth at
 * which a trade is final, how often the head is polled, the flash lenders, and (OP-stack) the L1 data fee in the cost
 * model. One place,
 * used by every way the bots run: `orion trade`, `orion dev` (whose devnet is a profile like any other) and
 * `orion run scanner|executor` (ORION_CHAIN), so a bot configured from its environment prices, bids and times its
 * trades exactly as a session does.
 */
import { l1FeeEstimator, type ChainProfile, type L1FeeEstimator } from "../chain/index.ts";
import { loadArtifacts } from "../contracts/index.ts";
import { deadlinePolicy, type DeadlinePolicy, type FeePolicy, type FlashLenderConfig } from "../executor/index.ts";
import { DEADLINE_BLOCKS, EXECUTOR_TIP_WEI, USER_OPERATION_DEADLINE_BLOCKS } from "./defaults.ts";

/** A chain can reorganise: a live trade is final two blocks on top of its own. */
export const TRADE_CONFIRMATIONS = 2;

export interface ChainSettings {
  gasModel: ChainProfile["gasModel"];
  fees: FeePolicy;
  /** The tip bid per gas; the scanner costs orders with it too. */
  tipWei: bigint;
  deadline: DeadlinePolicy;
  confirmations: number;
  /** How often the head is polled where no newHeads subscription gives it. */
  pollMs: number;
  /**
   * How often a sent trade is looked for: an eighth of a block, so a trade followed for its confirmations does not
   * crowd the node (or a paid endpoint) that the next block's trades need.
   */
  receiptPollMs: number;
  /** The profile's Aave pool and Balancer vault, the executor's flash lenders (V3 pools lend without being named). */
  flashLenders: FlashLenderConfig;
}

export function chainSettings(profile: ChainProfile, route: "eoa" | "erc4337" = "eoa"): ChainSettings {
  const fees: FeePolicy = { type: profile.fees.type, minPriorityFeeWei: BigInt(profile.fees.minPriorityFeeWei) };
  return {
    gasModel: profile.gasModel,
    fees,
    // The usual tip, raised to the chain's floor where it has one: the orders are costed at what will be paid.
    tipWei: fees.minPriorityFeeWei > EXECUTOR_TIP_WEI ? fees.minPriorityFeeWei : EXECUTOR_TIP_WEI,
    // On Arbitrum the contract's block.number is not the L2 block: the time deadline binds there instead. A user
    // operation waits for the bundler's next bundle, so it is given a few blocks more.
    deadline: deadlinePolicy(
      profile.gasModel,
      profile.blockTimeMs,
      route === "erc4337" ? USER_OPERATION_DEADLINE_BLOCKS : DEADLINE_BLOCKS,
    ),
    confirmations: TRADE_CONFIRMATIONS,
    // A few looks per block: new heads are seen promptly without hammering a paid endpoint (a 2 s chain: 2 a second).
    pollMs: Math.max(50, Math.floor(profile.blockTimeMs / 4)),
    receiptPollMs: Math.max(20, Math.floor(profile.blockTimeMs / 8)),
    flashLenders: flashLendersOf(profile),
  };
}

function flashLendersOf(profile: ChainProfile): FlashLenderConfig {
  const of = (protocol: "aave-v3" | "balancer-v2") => profile.lenders?.find((l) => l.protocol === protocol)?.address;
  const aaveV3Pool = of("aave-v3");
  const balancerVault = of("balancer-v2");
  return { ...(aaveV3Pool ? { aaveV3Pool } : {}), ...(balancerVault ? { balancerVault } : {}) };
}

/**
 * The scanner's L1 data fee by route length on an OP-stack chain (null elsewhere): every order's cost then covers
 * what posting the transaction to L1 will charge, priced by the chain's own oracle each block.
 */
export async function l1FeePricing(
  gasModel: ChainProfile["gasModel"],
  chainId: number,
): Promise<L1FeeEstimator | null> {
  if (gasModel !== "op-stack") return null;
  return l1FeeEstimator((await loadArtifacts()).ArbExecutor.abi, BigInt(chainId));
}
