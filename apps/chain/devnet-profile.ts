/**
 * The chain profile of a devnet's deployment: what `orion devnet` hands to users so that discovery and trading see
 * the local chain exactly as they would see a foreign one (a profile and an RPC URL, nothing from memory).
 */
import type { DeployedMarkets } from "./deploy.ts";
import { chainProfileSchema, type ChainProfile } from "./profile.ts";

export function devnetProfile(
  markets: DeployedMarkets,
  blockTimeMs: number,
  gasModel: "ethereum" | "op-stack" = "ethereum",
): ChainProfile {
  const lenders = [
    ...(markets.aaveV3
      ? [{ name: "aave-v3", protocol: "aave-v3", address: markets.aaveV3.pool, fromBlock: markets.aaveV3.fromBlock }]
      : []),
    ...(markets.balancerV2
      ? [
          {
            name: "balancer-v2",
            protocol: "balancer-v2",
            address: markets.balancerV2.vault,
            fromBlock: markets.balancerV2.fromBlock,
          },
        ]
      : []),
  ];
  return chainProfileSchema.parse({
    schema: 1,
    name: "devnet",
    chainId: markets.chainId,
    // The devnet's markets are quoted in their base token, which plays wrapped ether's part.
    wrappedNative: markets.baseToken,
    baseTokens: [markets.baseToken],
    dexes: [
      ...markets.dexes.map((d) => ({
        name: d.name,
        protocol: "uniswap-v2",
        factory: d.factory,
        feeBps: d.feeBps,
        fromBlock: d.fromBlock,
      })),
      // V3 pools carry their own fee, so the DEX names none.
      ...(markets.v3
        ? [
            {
              name: markets.v3.name,
              protocol: "uniswap-v3",
              factory: markets.v3.factory,
              fromBlock: markets.v3.fromBlock,
            },
          ]
        : []),
    ],
    ...(lenders.length > 0 ? { lenders } : {}),
    // EDR, like an Ethereum node, accepts any tip; there is no floor to respect.
    fees: { type: "eip1559", minPriorityFeeWei: "0" },
    blockTimeMs,
    gasModel,
    // Each estimate runs the trade many times on a node that answers one request at a time: a block's orders would
    // wait seconds behind each other's. The ERC-4337 route's per-length probes stand in (README).
    bundlerEstimatesEachTrade: false,
  });
}
