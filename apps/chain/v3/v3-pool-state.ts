/**
 * Swap state of a fixed set of Uniswap-V3 pools, kept current block by block from their Swap, Mint and Burn logs,
 * with a full re-read (slot0, liquidity, initialized ticks near the price) at start, after a gap or a reorg, and for a
 * pool whose price has walked to the edge of the ticks read. The V3 twin of PoolState.
 */
import { Interface } from "ethers";
import type { JsonRpcApiProvider, Log } from "ethers";
import { TickTable, compress, wordOf } from "../../core/v3/index.ts";
import type { V3PoolState } from "../../core/v3/index.ts";
import type { V3Pool } from "../../core/index.ts";
import { loadArtifacts } from "../../contracts/index.ts";
import type { BlockHead } from "../block-collector.ts";
import { isChildOf } from "../head-source.ts";
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

  private constructor(
    private readonly provider: JsonRpcApiProvider,
    pools: readonly V3PoolMeta[],
    private readonly pool: Interface,
    private readonly topics: string[],
    private readonly wordRadius: number,
  ) {
    this.meta = new Map(pools.map((p) => [p.address.toLowerCase(), { ...p, address: p.address.toLowerCase() }]));
  }

  static async create(
    provider: JsonRpcApiProvider,
    pools: readonly V3PoolMeta[],
    options: { wordRadius?: number } = {},
  ): Promise<V3PoolStates> {
    const pool = new Interface((await loadArtifacts()).UniswapV3Pool.abi);
    const topics = ["Swap", "Mint", "Burn"].map((name) => pool.getEvent(name)!.topicHash);
    return new V3PoolStates(provider, pools, pool, topics, options.wordRadius ?? DEFAULT_WORD_RADIUS);
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
    return this.topics;
  }

  /** Whether `head` is the direct child of the current block: then onBlock advances from its logs. */
  follows(head: BlockHead): boolean {
    return isChildOf(head, this.block);
  }

  /**
   * Advances to `head`: from its logs when it is the direct child of the current block, else a full re-read. `logs`:
   * the block's logs already asked for (with logTopics among others), read instead of asking again.
   */
  async onBlock(head: BlockHead, logs?: Promise<readonly Log[]>): Promise<V3PoolStateUpdate | null> {
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

  private async applyLogs(head: BlockHead, given?: Promise<readonly Log[]>): Promise<V3PoolStateUpdate> {
    const logs = await (given ?? this.provider.getLogs({ blockHash: head.hash, topics: [this.topics] }));
    const ordered = logs
      .filter((l) => this.topics.includes(l.topics[0] ?? "") && this.meta.has(l.address.toLowerCase()))
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

  private apply(state: V3PoolState, log: Log): void {
    const event = this.pool.parseLog({ topics: [...log.topics], data: log.data });
    if (event === null) return;
    if (event.name === "Swap") {
      state.sqrtPriceX96 = BigInt(event.args.getValue("sqrtPriceX96"));
      state.liquidity = BigInt(event.args.getValue("liquidity"));
      state.tick = Number(event.args.getValue("tick"));
      return;
    }
    const lower = Number(event.args.getValue("tickLower"));
    const upper = Number(event.args.getValue("tickUpper"));
    const amount = BigInt(event.args.getValue("amount")) * (event.name === "Burn" ? -1n : 1n);
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
