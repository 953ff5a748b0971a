/**
 * Reserves of a fixed set of Uniswap-V2 pools, kept current block by block from their Sync logs, with a full
 * refresh (one eth_call of the ReservesLens creation code) at start and whenever a block is missed or the chain
 * reorganised. Each update lists the pools whose reserves changed: what the scanner's applyReserves takes.
 */
import { AbiCoder, Interface, id } from "ethers";
import type { JsonRpcApiProvider } from "ethers";
import type { Pool, ReserveUpdate } from "../core/index.ts";
import { loadArtifacts } from "../contracts/index.ts";
import type { BlockHead } from "./block-collector.ts";
import { isChildOf } from "./head-source.ts";
import type { BlockLog } from "./rpc-batch.ts";

export const SYNC_TOPIC = id("Sync(uint112,uint112)");
/** Pools per lens call by default: ~3k gas each keeps a call far below the eth_call gas caps public nodes apply. */
const DEFAULT_LENS_CHUNK = 500;

export type PoolMeta = Omit<Pool, "reserve0" | "reserve1">;

export interface PoolStateUpdate {
  blockNumber: number;
  blockHash: string;
  /** incremental: Sync logs of the next block; full: every pool re-read (start, gap or reorg). */
  kind: "incremental" | "full";
  reason: "next-block" | "start" | "gap" | "reorg";
  /** Pools whose reserves differ from the previous state (every pool on the first refresh). */
  changed: ReserveUpdate[];
}

export class PoolState {
  private readonly meta: Map<string, PoolMeta>;
  private readonly reserves = new Map<string, { reserve0: bigint; reserve1: bigint }>();
  private block: { number: number; hash: string } | null = null;

  private constructor(
    private readonly provider: JsonRpcApiProvider,
    pools: readonly PoolMeta[],
    private readonly lensBytecode: string,
    private readonly lensIface: Interface,
    private readonly lensChunk: number,
  ) {
    this.meta = new Map(pools.map((p) => [p.address.toLowerCase(), { ...p, address: p.address.toLowerCase() }]));
  }

  static async create(
    provider: JsonRpcApiProvider,
    pools: readonly PoolMeta[],
    options: { lensChunk?: number } = {},
  ): Promise<PoolState> {
    const { ReservesLens } = await loadArtifacts();
    const chunk = options.lensChunk ?? DEFAULT_LENS_CHUNK;
    return new PoolState(provider, pools, ReservesLens.bytecode, new Interface(ReservesLens.abi), chunk);
  }

  /** Block the state is at, or null before the first refresh. */
  get blockNumber(): number | null {
    return this.block?.number ?? null;
  }

  get blockHash(): string | null {
    return this.block?.hash ?? null;
  }

  /** Every pool with its current reserves (for a scanner's first full scan or a snapshot). */
  pools(): Pool[] {
    return [...this.meta.values()].map((m) => ({ ...m, ...this.get(m.address) }));
  }

  get(address: string): { reserve0: bigint; reserve1: bigint } {
    const r = this.reserves.get(address.toLowerCase());
    if (!r) throw new Error(`no reserves for pool ${address}: unknown pool or not refreshed yet`);
    return r;
  }

  /** The event topics an advance by one block reads (see onBlock's `logs`). */
  readonly logTopics: readonly string[] = [SYNC_TOPIC];

  /** Whether `head` is the direct child of the current block: then onBlock advances from its logs. */
  follows(head: BlockHead): boolean {
    return isChildOf(head, this.block);
  }

  /**
   * Advances to `head`: from its Sync logs when it is the direct child of the current block, else a refresh. `logs`:
   * the block's logs already asked for (with logTopics among others), read instead of asking again.
   */
  async onBlock(head: BlockHead, logs?: Promise<readonly BlockLog[]>): Promise<PoolStateUpdate | null> {
    const current = this.block;
    if (current && current.hash === head.hash) return null;
    if (!current) return this.refresh(head, "start");
    if (this.follows(head)) return this.applyLogs(head, logs);
    return this.refresh(head, head.number > current.number + 1 ? "gap" : "reorg");
  }

  /** Re-reads every pool at `head`: one call per chunk of pools, all at the same block, in parallel. */
  async refresh(head: Pick<BlockHead, "number" | "hash">, reason: PoolStateUpdate["reason"]): Promise<PoolStateUpdate> {
    const addresses = [...this.meta.keys()];
    const chunks: string[][] = [];
    for (let i = 0; i < addresses.length; i += this.lensChunk) chunks.push(addresses.slice(i, i + this.lensChunk));
    const results = await Promise.all(chunks.map((chunk) => this.readChunk(chunk, head.number)));
    const changed: ReserveUpdate[] = [];
    chunks.forEach((chunk, c) => {
      const flat = results[c] as bigint[];
      chunk.forEach((address, i) => {
        const update = { address, reserve0: flat[2 * i] as bigint, reserve1: flat[2 * i + 1] as bigint };
        if (this.set(update)) changed.push(update);
      });
    });
    this.block = { number: head.number, hash: head.hash };
    return { blockNumber: head.number, blockHash: head.hash, kind: "full", reason, changed };
  }

  private async readChunk(addresses: string[], blockNumber: number): Promise<bigint[]> {
    const data = this.lensBytecode + this.lensIface.encodeDeploy([addresses]).slice(2);
    const raw = await this.provider.call({ data, blockTag: blockNumber });
    const [readAt, flat] = AbiCoder.defaultAbiCoder().decode(["uint256", "uint256[]"], raw) as unknown as [
      bigint,
      bigint[],
    ];
    if (Number(readAt) !== blockNumber) throw new Error(`lens read block ${readAt}, asked ${blockNumber}`);
    return flat;
  }

  private async applyLogs(head: BlockHead, given?: Promise<readonly BlockLog[]>): Promise<PoolStateUpdate> {
    // Filter by topic only and match pools here: one query whatever the number of pools.
    const logs = await (given ?? this.provider.getLogs({ blockHash: head.hash, topics: [SYNC_TOPIC] }));
    const last = new Map<string, BlockLog>();
    for (const log of logs) {
      const address = log.address.toLowerCase();
      if (log.topics[0] !== SYNC_TOPIC || !this.meta.has(address)) continue;
      const prev = last.get(address);
      if (!prev || log.index > prev.index) last.set(address, log);
    }
    const changed: ReserveUpdate[] = [];
    for (const [address, log] of last) {
      const update = {
        address,
        reserve0: BigInt(`0x${log.data.slice(2, 66)}`),
        reserve1: BigInt(`0x${log.data.slice(66, 130)}`),
      };
      if (this.set(update)) changed.push(update);
    }
    this.block = { number: head.number, hash: head.hash };
    return { blockNumber: head.number, blockHash: head.hash, kind: "incremental", reason: "next-block", changed };
  }

  private set(u: ReserveUpdate): boolean {
    const prev = this.reserves.get(u.address);
    if (prev && prev.reserve0 === u.reserve0 && prev.reserve1 === u.reserve1) return false;
    this.reserves.set(u.address, { reserve0: u.reserve0, reserve1: u.reserve1 });
    return true;
  }
}
