/**
 * Swap state of a fixed set of Uniswap-V3 pools, kept current block by block from their Swap, Mint and Burn logs,
 * with a full re-read (slot0, liquidity, initialized ticks near the price) at start, after a gap or a reorg, and for a
 * pool whose price has walked to the edge of the ticks read. The V3 twin of PoolState.
 */
import { Interface } from "ethers";
import type { JsonRpcApiProvider } from "ethers";
import { TickTable, compress, wordOf } from "../../core/v3/index.ts";
import type { V3PoolState } from "../../core/v3/index.ts";
import type { V3Pool } from "../../core/index.ts";
import { loadArtifacts } from "../../contracts/index.ts";
import type { BlockHead } from "../block-collector.ts";
import { isChildOf } from "../head-source.ts";
import type { BlockLog } from "../rpc-batch.ts";
import { DEFAULT_WORD_RADIUS, readV3Pool } from "./pool-reader.ts";

export interface V3PoolMeta {
  address: string;
  dex: string;
  token0: string;
  token1: string;
  feePips: number;
  tickSpacing: number;
}

export interface V3PoolStateUpdate {
  blockNumber: number;
  blockHash: string;
  kind: "incremental" | "full";
  reason: "next-block" | "start" | "gap" | "reorg";
  /** Pools whose swap state changed (every pool on a full read). */
  changed: string[];
}

export class V3PoolStates {
  private readonly meta: Map<string, V3PoolMeta>;
  private readonly states = new Map<string, V3PoolState>();
  private block: { number: number; hash: string } | null = null;
  private readonly topicList: readonly string[];

  private constructor(
    private readonly provider: JsonRpcApiProvider,
    pools: readonly V3PoolMeta[],
    private readonly topics: { swap: string; mint: string; burn: string },
    private readonly wordRadius: number,
  ) {
    this.meta = new Map(pools.map((p) => [p.address.toLowerCase(), { ...p, address: p.address.toLowerCase() }]));
    this.topicList = [topics.swap, topics.mint, topics.burn];
  }

  static async create(
    provider: JsonRpcApiProvider,
    pools: readonly V3PoolMeta[],
    options: { wordRadius?: number } = {},
  ): Promise<V3PoolStates> {
    const pool = new Interface((await loadArtifacts()).UniswapV3Pool.abi);
    const [swap, mint, burn] = ["Swap", "Mint", "Burn"].map((name) => pool.getEvent(name)!.topicHash) as [
      string,
      string,
      string,
    ];
    return new V3PoolStates(provider, pools, { swap, mint, burn }, options.wordRadius ?? DEFAULT_WORD_RADIUS);
  }

  get blockNumber(): number | null {
    return this.block?.number ?? null;
  }

  metas(): V3PoolMeta[] {
    return [...this.meta.values()];
  }

  /** The pool's current swap state (shared, not a copy: read it, do not change it). */
  get(address: string): V3PoolState {
    const s = this.states.get(address.toLowerCase());
    if (!s) throw new Error(`no state for V3 pool ${address}: unknown pool or not refreshed yet`);
    return s;
  }

  /** A copy of the pool's current swap state, which later blocks leave as it is (what a scanner may keep). */
  copy(address: string): V3PoolState {
    const s = this.get(address);
    return { ...s, ticks: s.ticks.clone() };
  }

  /** Every pool with a copy of its current state (for a scanner's first full scan). */
  pools(): V3Pool[] {
    return this.metas().map((m) => ({
      address: m.address,
      dex: m.dex,
      token0: m.token0.toLowerCase(),
      token1: m.token1.toLowerCase(),
      state: this.copy(m.address),
    }));
  }

  /** The event topics an advance by one block reads (see onBlock's `logs`). */
  get logTopics(): readonly string[] {
    return this.topicList;
  }

  /** Whether `head` is the direct child of the current block: then onBlock advances from its logs. */
  follows(head: BlockHead): boolean {
    return isChildOf(head, this.block);
  }

  /**
   * Advances to `head`: from its logs when it is the direct child of the current block, else a full re-read. `logs`:
   * the block's logs already asked for (with logTopics among others), read instead of asking again.
   */
  async onBlock(head: BlockHead, logs?: Promise<readonly BlockLog[]>): Promise<V3PoolStateUpdate | null> {
    const current = this.block;
    if (current && current.hash === head.hash) return null;
    if (!current) return this.refresh(head, "start");
    if (this.follows(head)) return this.applyLogs(head, logs);
    return this.refresh(head, head.number > current.number + 1 ? "gap" : "reorg");
  }

  async refresh(head: Pick<BlockHead, "number" | "hash">, reason: V3PoolStateUpdate["reason"]) {
    const addresses = [...this.meta.keys()];
    await Promise.all(addresses.map((a) => this.read(a, head.number)));
    this.block = { number: head.number, hash: head.hash };
    const update: V3PoolStateUpdate = {
      blockNumber: head.number,
      blockHash: head.hash,
      kind: "full",
      reason,
      changed: addresses,
    };
    return update;
  }

  private async read(address: string, blockNumber: number): Promise<void> {
    const r = await readV3Pool(this.provider, address, { blockTag: blockNumber, wordRadius: this.wordRadius });
    this.states.set(address, {
      sqrtPriceX96: r.sqrtPriceX96,
      tick: r.tick,
      liquidity: r.liquidity,
      feePips: r.feePips,
      ticks: r.ticks,
    });
  }

  private async applyLogs(head: BlockHead, given?: Promise<readonly BlockLog[]>): Promise<V3PoolStateUpdate> {
    const topics = this.logTopics;
    const logs = await (given ?? this.provider.getLogs({ blockHash: head.hash, topics: [[...topics]] }));
    const ordered = logs
      .filter((l) => topics.includes(l.topics[0] ?? "") && this.meta.has(l.address.toLowerCase()))
      .sort((a, b) => a.index - b.index);
    const changed = new Set<string>();
    for (const log of ordered) {
      const address = log.address.toLowerCase();
      this.apply(this.get(address), log);
      changed.add(address);
    }
    // A price that walked next to the edge of the words read would soon quote nothing: re-read around it.
    const recentre = [...changed].filter((a) => this.nearEdge(a));
    await Promise.all(recentre.map((a) => this.read(a, head.number)));
    this.block = { number: head.number, hash: head.hash };
    return {
      blockNumber: head.number,
      blockHash: head.hash,
      kind: "incremental",
      reason: "next-block",
      changed: [...changed],
    };
  }

  /**
   * One Swap, Mint or Burn log applied to its pool's state, its fields read from their ABI words directly: ethers'
   * parseLog, which decoded every field of every log, was most of the time between the node's answer and the scan.
   * Read as the ABI decoder reads them: each value is its word cut to the type's width (two's complement for ints),
   * and a log too short for its event is an error.
   */
  private apply(state: V3PoolState, log: BlockLog): void {
    const { swap, mint } = this.topics;
    const event = log.topics[0];
    if (event === swap) {
      const data = words(log, 5);
      state.sqrtPriceX96 = BigInt.asUintN(160, data(2));
      state.liquidity = BigInt.asUintN(128, data(3));
      state.tick = Number(BigInt.asIntN(24, data(4)));
      return;
    }
    // Mint(address sender, address indexed owner, int24 indexed tickLower, int24 indexed tickUpper, uint128 amount,
    // ...) and Burn(address indexed owner, int24 indexed tickLower, int24 indexed tickUpper, uint128 amount, ...).
    const isMint = event === mint;
    if (log.topics.length !== 4) throw new Error(`V3 ${isMint ? "Mint" : "Burn"} log with ${log.topics.length} topics`);
    const lower = Number(BigInt.asIntN(24, BigInt(log.topics[2]!)));
    const upper = Number(BigInt.asIntN(24, BigInt(log.topics[3]!)));
    const liquidity = BigInt.asUintN(128, isMint ? words(log, 4)(1) : words(log, 3)(0));
    const amount = isMint ? liquidity : -liquidity;
    state.ticks.applyPosition(lower, upper, amount);
    // The pool's in-range liquidity changes only when the position spans the current tick.
    if (state.tick >= lower && state.tick < upper) state.liquidity += amount;
  }

  private nearEdge(address: string): boolean {
    const s = this.get(address);
    const table: TickTable = s.ticks;
    const word = wordOf(compress(s.tick, table.tickSpacing));
    return word - table.fromWord < 1 || table.toWord - word < 1;
  }
}

/** Word i of a log's data, whose event has `count` words of data (an error when the data is shorter). */
function words(log: BlockLog, count: number): (i: number) => bigint {
  if (log.data.length < 2 + 64 * count)
    throw new Error(`V3 pool log of ${log.data.length} hex chars, ${count} words expected`);
  return (i) => BigInt(`0x${log.data.slice(2 + 64 * i, 66 + 64 * i)}`);
}
