/**
 * Every arbitrage cycle of 2..maxHops distinct pools that leaves a base token and returns to it without visiting any
 * other token twice, precomputed once per pool graph, plus the inverse map pool -> cycles that use it.
 *
 * Storage is a handful of typed arrays (a 50k-pool market has millions of cycles): a cycle is a row of `stride`
 * directed edges, where edge `2*pool` sells token0 of `pool` and edge `2*pool + 1` sells token1.
 */
export interface PoolGraph {
  tokenCount: number;
  /** Token index of each pool's token0 / token1. */
  token0: Int32Array;
  token1: Int32Array;
  /** Token indexes that cycles start and end at, in the order results are grouped by. */
  baseTokens: readonly number[];
  maxHops: number;
}

export const MIN_HOPS = 2;
export const MAX_SUPPORTED_HOPS = 4;

export class CycleIndex {
  readonly stride: number;
  readonly cycleCount: number;
  /** cycleCount * stride directed edges; rows of shorter cycles end with -1. */
  readonly edges: Int32Array;
  readonly hops: Uint8Array;
  /** CSR map pool -> cycle ids: cycles of pool p are poolCycles[poolOffsets[p] .. poolOffsets[p+1]). */
  readonly poolOffsets: Int32Array;
  readonly poolCycles: Int32Array;
  /**
   * The edge rows of those cycles again, in the same pool-major order (row i belongs to poolCycles[i]). A block that
   * moves a hub pool dirties thousands of cycles; reading their rows sequentially here instead of scattered over
   * `edges` is what keeps the incremental update cheap. Costs `stride` ints per (pool, cycle) pair.
   */
  readonly poolRows: Int32Array;

  private constructor(stride: number, cycleCount: number, edges: Int32Array, hops: Uint8Array, poolCount: number) {
    this.stride = stride;
    this.cycleCount = cycleCount;
    this.edges = edges;
    this.hops = hops;
    this.poolOffsets = new Int32Array(poolCount + 1);
    for (let c = 0; c < cycleCount; c++) {
      for (let h = 0; h < hops[c]!; h++) this.poolOffsets[(edges[c * stride + h]! >> 1) + 1]!++;
    }
    for (let p = 0; p < poolCount; p++) this.poolOffsets[p + 1]! += this.poolOffsets[p]!;
    this.poolCycles = new Int32Array(this.poolOffsets[poolCount]!);
    const fill = this.poolOffsets.slice(0, poolCount);
    for (let c = 0; c < cycleCount; c++) {
      for (let h = 0; h < hops[c]!; h++) this.poolCycles[fill[edges[c * stride + h]! >> 1]!++] = c;
    }
    this.poolRows = new Int32Array(this.poolCycles.length * stride);
    this.poolCycles.forEach((c, i) => this.poolRows.set(edges.subarray(c * stride, (c + 1) * stride), i * stride));
  }

  static build(graph: PoolGraph): CycleIndex {
    const { tokenCount, token0, token1, baseTokens, maxHops } = graph;
    if (!Number.isInteger(maxHops) || maxHops < MIN_HOPS || maxHops > MAX_SUPPORTED_HOPS) {
      throw new RangeError(`maxHops must be an integer ${MIN_HOPS}..${MAX_SUPPORTED_HOPS}, got ${maxHops}`);
    }
    const poolCount = token0.length;
    const adjacency = buildAdjacency(tokenCount, token0, token1);
    const sink = new CycleSink(maxHops);
    const path = new Int32Array(maxHops);
    const onPath = new Uint8Array(tokenCount);

    // Depth-first from each base; the last hop is looked up by (token, base) so hubs are never scanned to close.
    const extend = (base: number, token: number, depth: number): void => {
      const closing = adjacency.between(token, base);
      if (depth >= 1 && closing !== undefined) {
        for (const e of closing) {
          // Two-hop cycles go out and back over the same pair: only the pool must differ.
          if (depth === 1 && e >> 1 === path[0]! >> 1) continue;
          path[depth] = e;
          sink.push(path, depth + 1);
        }
      }
      if (depth + 1 >= maxHops) return;
      onPath[token] = 1;
      for (let i = adjacency.offsets[token]!; i < adjacency.offsets[token + 1]!; i++) {
        const e = adjacency.edges[i]!;
        const next = edgeTarget(e, token0, token1);
        if (next === base || onPath[next] === 1) continue;
        path[depth] = e;
        extend(base, next, depth + 1);
      }
      onPath[token] = 0;
    };
    for (const base of baseTokens) extend(base, base, 0);
    return new CycleIndex(maxHops, sink.count, sink.edges(), sink.hopCounts(), poolCount);
  }

  /** Cycle ids that route through `pool`. */
  cyclesOfPool(pool: number): Int32Array {
    return this.poolCycles.subarray(this.poolOffsets[pool]!, this.poolOffsets[pool + 1]!);
  }

  /** The directed edges of cycle `c`, in route order. */
  cycleEdges(c: number): Int32Array {
    return this.edges.subarray(c * this.stride, c * this.stride + this.hops[c]!);
  }

  /** Bytes held by the typed arrays (what scales with the market). */
  get byteLength(): number {
    const csr = this.poolOffsets.byteLength + this.poolCycles.byteLength + this.poolRows.byteLength;
    return this.edges.byteLength + this.hops.byteLength + csr;
  }
}

/** Token an edge delivers. */
export function edgeTarget(edge: number, token0: Int32Array, token1: Int32Array): number {
  return (edge & 1) === 0 ? token1[edge >> 1]! : token0[edge >> 1]!;
}

/** Token an edge sells. */
export function edgeSource(edge: number, token0: Int32Array, token1: Int32Array): number {
  return (edge & 1) === 0 ? token0[edge >> 1]! : token1[edge >> 1]!;
}

interface Adjacency {
  offsets: Int32Array;
  edges: Int32Array;
  between(from: number, to: number): number[] | undefined;
}

function buildAdjacency(tokenCount: number, token0: Int32Array, token1: Int32Array): Adjacency {
  const offsets = new Int32Array(tokenCount + 1);
  for (let p = 0; p < token0.length; p++) {
    offsets[token0[p]! + 1]!++;
    offsets[token1[p]! + 1]!++;
  }
  for (let t = 0; t < tokenCount; t++) offsets[t + 1]! += offsets[t]!;
  const edges = new Int32Array(offsets[tokenCount]!);
  const fill = offsets.slice(0, tokenCount);
  const pairs = new Map<number, number[]>();
  for (let p = 0; p < token0.length; p++) {
    for (const e of [2 * p, 2 * p + 1]) {
      const from = edgeSource(e, token0, token1);
      edges[fill[from]!++] = e;
      const key = from * tokenCount + edgeTarget(e, token0, token1);
      const list = pairs.get(key);
      if (list === undefined) pairs.set(key, [e]);
      else list.push(e);
    }
  }
  return { offsets, edges, between: (from, to) => pairs.get(from * tokenCount + to) };
}

/** Growable row storage for cycles. */
class CycleSink {
  count = 0;
  private rows: Int32Array;
  private lengths: Uint8Array;

  constructor(private readonly stride: number) {
    this.rows = new Int32Array(1024 * stride);
    this.lengths = new Uint8Array(1024);
  }

  push(path: Int32Array, length: number): void {
    if (this.count === this.lengths.length) {
      const rows = new Int32Array(this.rows.length * 2);
      rows.set(this.rows);
      this.rows = rows;
      const lengths = new Uint8Array(this.lengths.length * 2);
      lengths.set(this.lengths);
      this.lengths = lengths;
    }
    const at = this.count * this.stride;
    for (let h = 0; h < this.stride; h++) this.rows[at + h] = h < length ? path[h]! : -1;
    this.lengths[this.count++] = length;
  }

  edges(): Int32Array {
    return this.rows.slice(0, this.count * this.stride);
  }

  hopCounts(): Uint8Array {
    return this.lengths.slice(0, this.count);
  }
}
