/** Encoding the executor contract's entry point and decoding its trade event: pure, no I/O. */
import { Interface, MaxUint256, ZeroAddress } from "ethers";
import type { InterfaceAbi, Log } from "ethers";
import { orderProtocols } from "../domain/index.ts";
import { WORD_HEX, addressWord, firstUint, smallWord, uintWord } from "./abi-words.ts";
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
  /** execute()'s selector, 0x-prefixed. */
  private readonly selector: string;
  /** The Trade event's topic. */
  private readonly tradeTopic: string;

  constructor(abi: InterfaceAbi) {
    this.iface = new Interface(abi);
    const execute = this.iface.getFunction("execute");
    // The encoder below writes this layout word by word: an ABI with another execute() is not ArbExecutor's.
    if (execute?.format("sighash") !== EXECUTE_SIGNATURE) {
      throw new Error(
        `the executor ABI's execute() is ${execute?.format("sighash") ?? "missing"}, not ${EXECUTE_SIGNATURE}`,
      );
    }
    this.selector = execute.selector;
    const trade = this.iface.getEvent("Trade");
    if (trade?.format("sighash") !== TRADE_SIGNATURE) {
      throw new Error(
        `the executor ABI's Trade event is ${trade?.format("sighash") ?? "missing"}, not ${TRADE_SIGNATURE}`,
      );
    }
    this.tradeTopic = trade.topicHash;
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
    // Word by word, as the ABI lays it out (ethers' encoder took 0.4-0.6 ms a call here, on every order's way to its
    // simulation); calldata.test.ts holds it to ethers' encoding. The head: the base token, the hops' offset (past
    // the eight head words: the flash tuple is static, inline), the amounts, the flash tuple, the deadlines; then
    // the hops, each an inline (pool, protocol, fee).
    const hops = order.pools.map((pool, i) => {
      const protocol = protocols[i] ?? "uniswap-v2";
      const fee = protocol === "uniswap-v3" ? 0 : (feesBps[i] ?? 0);
      return (
        addressWord(pool, `hop ${i} pool`) +
        smallWord(PROTOCOL_INDEX[protocol], 8, "protocol") +
        smallWord(fee, 16, `hop ${i} fee`)
      );
    });
    return (
      this.selector +
      addressWord(order.baseToken, "base token") +
      uintWord(BigInt(HEAD_WORDS * 32), "hops offset") +
      uintWord(order.amountIn, "amountIn") +
      uintWord(order.minProfit, "minProfit") +
      smallWord(FLASH_INDEX[flash.source], 8, "flash source") +
      addressWord(flash.lender ?? ZeroAddress, "lender") +
      uintWord(deadlineBlock === null ? MaxUint256 : BigInt(deadlineBlock), "deadlineBlock") +
      uintWord(deadlineTime === null ? MaxUint256 : BigInt(deadlineTime), "deadlineTime") +
      uintWord(BigInt(hops.length), "hop count") +
      hops.join("")
    );
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
    // Read off the words encodeExecute writes (decoding with ethers cost as much as encoding); calldata.test.ts holds
    // it to ethers' decoding. Anything not laid out so is refused, never guessed.
    const words = data.slice(2 + SELECTOR_HEX);
    const word = (i: number) => {
      const w = words.slice(i * WORD_HEX, (i + 1) * WORD_HEX);
      if (w.length !== WORD_HEX || !/^[0-9a-fA-F]+$/.test(w))
        throw new Error(`not an execute() call: word ${i} is missing`);
      return w;
    };
    if (data.slice(0, 2 + SELECTOR_HEX).toLowerCase() !== this.selector) throw new Error("not an execute() call");
    const address = (i: number) => {
      const w = word(i);
      if (!/^0{24}/.test(w)) throw new Error(`not an execute() call: word ${i} is not an address`);
      return `0x${w.slice(24)}`;
    };
    const small = (i: number) => BigInt(`0x${word(i)}`).toString();
    const at = BigInt(`0x${word(1)}`);
    if (at % 32n !== 0n || at < BigInt(HEAD_WORDS * 32)) throw new Error("not an execute() call: bad hops offset");
    const first = Number(at / 32n);
    const count = Number(BigInt(`0x${word(first)}`));
    if (count > words.length / WORD_HEX) throw new Error("not an execute() call: bad hop count");
    const hops = Array.from({ length: count }, (_, i) => {
      const h = first + 1 + 3 * i;
      return { pool: address(h), protocol: small(h + 1), fee: small(h + 2) };
    });
    const base = address(0);
    const lender = `${small(4)}:${address(5)}`;
    const route = hops.map((h) => `${h.pool}:${h.protocol}:${h.fee}`).join(",");
    const shape = hops.map((h) => h.protocol).join(",");
    return {
      route: `${base}|${route}|${lender}`.toLowerCase(),
      shape: `${base}|${shape}|${lender}`.toLowerCase(),
    };
  }

  /** The profit execute() returns (from an eth_call): its one uint256 word, read directly (abi-words.ts). */
  decodeProfit(returnData: string): bigint {
    return firstUint(returnData, "execute()");
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

  /**
   * Profit from the contract's Trade event in a receipt's logs, or null if it emitted none. Read off the event's
   * third data word (pools' offset, amountIn, profit, source), as every mined trade is settled at a head.
   */
  tradeProfit(logs: readonly Pick<Log, "address" | "topics" | "data">[], contract: string): bigint | null {
    for (const log of logs) {
      if (log.address.toLowerCase() !== contract || log.topics[0] !== this.tradeTopic) continue;
      const profit = log.data.slice(2 + 2 * WORD_HEX, 2 + 3 * WORD_HEX);
      if (profit.length !== WORD_HEX) throw new Error(`a Trade event too short for its profit: ${log.data.length} hex`);
      return BigInt(`0x${profit}`);
    }
    return null;
  }
}

/** execute() as ArbExecutor declares it: the layout encodeExecute and routeOf write and read. */
const EXECUTE_SIGNATURE = "execute(address,(address,uint8,uint16)[],uint256,uint256,(uint8,address),uint256,uint256)";
/** Words before the hops: base token, hops offset, amountIn, minProfit, flash (source, lender), two deadlines. */
const HEAD_WORDS = 8;
const SELECTOR_HEX = 8;
/** The Trade event as ArbExecutor declares it: its profit is the third data word. */
const TRADE_SIGNATURE = "Trade(address,address[],uint256,uint256,uint8)";

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
