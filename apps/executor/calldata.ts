/** Encoding the executor contract's entry point and decoding its trade event: pure, no I/O. */
import { Interface, MaxUint256, ZeroAddress } from "ethers";
import type { InterfaceAbi, Log } from "ethers";
import { orderProtocols } from "../domain/index.ts";
import type { FlashSource, Order, PoolProtocol } from "../domain/index.ts";

/** The contract's enums, by position (ArbExecutor.Protocol and ArbExecutor.FlashSource). */
const PROTOCOL_INDEX: Record<PoolProtocol, number> = { "uniswap-v2": 0, "uniswap-v3": 1 };
const FLASH_INDEX: Record<FlashSource, number> = { "v2-flash-swap": 0, "v3-flash": 1, balancer: 2, "aave-v3": 3 };
export const FLASH_SOURCES: readonly FlashSource[] = ["v2-flash-swap", "v3-flash", "balancer", "aave-v3"];

/** Where execute() borrows from: the lender is null for a V2 flash swap (the first pool lends). */
export interface FlashParams {
  source: FlashSource;
  lender: string | null;
}

/** A V2 flash swap from the route's first pool: how every order was funded before there were lenders. */
export const V2_FLASH_SWAP: FlashParams = { source: "v2-flash-swap", lender: null };

export class ExecutorCodec {
  readonly iface: Interface;

  constructor(abi: InterfaceAbi) {
    this.iface = new Interface(abi);
  }

  /**
   * execute(baseToken, hops, amountIn, minProfit, flash, deadlineBlock, deadlineTime), each hop (pool, protocol,
   * feeBps) with the order's protocols (all V2 when it names none). `feesBps` matter for V2 pools only; a V3 pool
   * charges its own. A null deadline is none (the largest uint256, which no block number or timestamp exceeds).
   */
  encodeExecute(
    order: Order,
    feesBps: number[],
    flash: FlashParams,
    deadlineBlock: number | null,
    deadlineTime: number | null,
  ): string {
    const protocols = orderProtocols(order);
    return this.iface.encodeFunctionData("execute", [
      order.baseToken,
      order.pools.map((pool, i) => [
        pool,
        PROTOCOL_INDEX[protocols[i] ?? "uniswap-v2"],
        protocols[i] === "uniswap-v3" ? 0 : (feesBps[i] ?? 0),
      ]),
      order.amountIn,
      order.minProfit,
      [FLASH_INDEX[flash.source], flash.lender ?? ZeroAddress],
      deadlineBlock ?? MaxUint256,
      deadlineTime ?? MaxUint256,
    ]);
  }

  /** The length (0x-prefixed hex) of an execute() call of each route length the contract takes (2..4 hops). */
  executeLengths(): number[] {
    return [2, 3, 4].map(
      (hops) =>
        this.iface.encodeFunctionData("execute", [
          ZeroAddress,
          Array.from({ length: hops }, () => [ZeroAddress, 0, 0]),
          0,
          0,
          [0, ZeroAddress],
          0,
          0,
        ]).length,
    );
  }

  /**
   * What an execute() call's gas depends on: `route`, the base token, the hops and the flash source, without the
   * amounts and deadlines that change with every order of the same route (a V2 swap's gas does not depend on its
   * amount); `shape`, the same without the pools' addresses (routes of one shape cost about the same gas).
   */
  routeOf(data: string): { route: string; shape: string } {
    const [baseToken, hops, , , flash] = this.iface.decodeFunctionData("execute", data) as unknown as [
      string,
      [string, bigint, bigint][],
      bigint,
      bigint,
      [bigint, string],
    ];
    const lender = `${flash[0]}:${flash[1]}`;
    const route = hops.map(([pool, protocol, fee]) => `${pool}:${protocol}:${fee}`).join(",");
    const shape = hops.map(([, protocol]) => String(protocol)).join(",");
    return {
      route: `${baseToken}|${route}|${lender}`.toLowerCase(),
      shape: `${baseToken}|${shape}|${lender}`.toLowerCase(),
    };
  }

  /** The profit execute() returns (from an eth_call). */
  decodeProfit(returnData: string): bigint {
    const [profit] = this.iface.decodeFunctionResult("execute", returnData);
    return BigInt(profit);
  }

  /** The custom error (or revert string) in revert data, for a rejected trade's reason. */
  describeRevert(data: string | undefined): string {
    if (!data || data === "0x") return "reverted without data";
    try {
      const parsed = this.iface.parseError(data);
      if (parsed) return `${parsed.name}(${parsed.args.map(String).join(", ")})`;
    } catch {
      // Not one of ours: a pool's or token's revert string, reported raw below.
    }
    return `reverted: ${data.slice(0, 138)}`;
  }

  /** Whether revert data is the contract's Expired error: the trade's deadline had passed in the block it ran in. */
  isExpired(data: string): boolean {
    try {
      return this.iface.parseError(data)?.name === "Expired";
    } catch {
      return false;
    }
  }

  /** Profit from the contract's Trade event in a receipt's logs, or null if it emitted none. */
  tradeProfit(logs: readonly Log[], contract: string): bigint | null {
    for (const log of logs) {
      if (log.address.toLowerCase() !== contract) continue;
      const parsed = this.iface.parseLog(log);
      if (parsed?.name === "Trade") return BigInt(parsed.args.profit);
    }
    return null;
  }
}

/**
 * How many transactions ahead of the trade touched any of the route's pools (any log a pool emitted: Sync, Swap,
 * Mint, Burn): earlier in its block, and, given the block it was mined in, in any earlier block of `poolLogs` (the
 * caller passes the logs since the block the trade was priced on). Zero means the trade ran on exactly the state it
 * was priced on.
 */
export function countPrecedingTouches(
  poolLogs: readonly (Pick<Log, "address" | "transactionIndex"> & { blockNumber?: number })[],
  pools: readonly string[],
  txIndex: number,
  minedBlock?: number,
): number {
  const route = new Set(pools.map((p) => p.toLowerCase()));
  const earlier = new Set<string>();
  for (const log of poolLogs) {
    if (!route.has(log.address.toLowerCase())) continue;
    const sameBlock = minedBlock === undefined || log.blockNumber === minedBlock;
    const ahead = sameBlock ? log.transactionIndex < txIndex : (log.blockNumber ?? Infinity) < (minedBlock ?? 0);
    if (ahead) earlier.add(`${log.blockNumber ?? ""}:${log.transactionIndex}`);
  }
  return earlier.size;
}
