import { CycleIndex } from "./cycle-index.ts";
import { edgeSource } from "./cycle-index.ts";
import { CycleEvaluator, RATE_FLOOR } from "./evaluator.ts";
import { MarketState } from "./market-state.ts";
import type { Opportunity, PoolProtocol } from "./opportunity.ts";
import { OpportunityBook } from "./opportunity-book.ts";
import type { Pool, ReserveUpdate, V3Pool, V3StateUpdate } from "./pool.ts";
import type { SearchResult } from "./exact-search.ts";
import type { SizedTrade } from "./sizing.ts";
import type { Token } from "./tokens.ts";
import { normalizeAddress } from "./tokens.ts";
import type { RouteTables } from "./scan-answers.ts";
import { ScanAnswers } from "./scan-answers.ts";
import type { KernelHelpers } from "./exact-kernel/kernel.ts";

export interface ScannerOptions {
  tokens: readonly Token[];
  pools: readonly Pool[];
  /** Uniswap-V3 pools, scanned beside the V2 pools: cycles may mix both. */
  v3Pools?: readonly V3Pool[];
  /** Addresses cycles start and end at; results are grouped in this order. */
  baseTokens: readonly string[];
  /** Longest cycle, 2..4 (the CLI offers 2 and 3). */
  maxHops: number;
  /** Report only cycles whose exact profit is strictly greater (base units of the base token). Default 0. */
  minProfit?: bigint;
  /** Candidates one cycle's optimality proof may try (default DEFAULT_SIZING_BUDGET); see sizing.ts. */
  sizingBudget?: bigint;
  /** Exact route evaluations the search of one cycle through a V3 pool may use (default DEFAULT_SEARCH_BUDGET). */
  searchBudget?: number;
  /**
   * Threads to share each full scan with (`orion scan` starts one: apps/scan/kernel-helper.ts); without them a full
   * scan runs in this thread alone. Blocks are never shared (a block is short; waking a thread costs more).
   */
  kernelHelpers?: KernelHelpers;
}

export interface ScanStats {
  pools: number;
  cycles: number;
  /** Cycles checked by the last fullScan / applyReserves (a cycle through two changed pools counts twice). */
  evaluated: number;
  /** Of those, how many passed the float prefilter and were sized with exact integer math. */
  exactChecks: number;
  /** Wall time of the last fullScan / applyReserves, in milliseconds. */
  elapsedMs: number;
  opportunities: number;
  /** Current opportunities whose size could be proven neither optimal nor within 1e-6 (dust-sized profits only). */
  unproven: number;
  /**
   * Cycles whose search found no input clearing minProfit but could not prove that none does within its budget
   * (through a V3 pool with a coarse token on the way): nothing is reported for them, and nothing is proven.
   */
  undecided: number;
  /** Chunks of the last full scan that helper threads took (ScannerOptions.kernelHelpers); 0 without them. */
  helperChunks: number;
}

/**
 * Finds and sizes every profitable cycle of a pool set (V2 pairs and V3 pools, mixed freely), and keeps that set
 * current as pool states change. Build once per pool graph (the cycle index is precomputed), then call fullScan()
 * once and applyBlock() (or applyReserves() for V2-only changes) per block.
 */
export class ArbitrageScanner {
  readonly index: CycleIndex;
  private readonly state: MarketState;
  private readonly evaluator: CycleEvaluator;
  private readonly book: OpportunityBook;
  /** Group (position in baseTokens) of each token index, -1 for non-base tokens. */
  private readonly groupOfToken: Int32Array;
  /** Address of each edge's source token (edge 2p sells pool p's token0), so an opportunity's path is one read a hop. */
  private readonly edgeToken: string[];
  /** What a full scan's list reads of each cycle's route: the index's rows, each edge's token and pool address. */
  private readonly routes: RouteTables;
  /** Per-cycle mark of the last update that queued it, so a cycle touching several changed pools runs once. */
  private readonly queued: Uint32Array;
  /** Scratch list of the cycles one update re-evaluates (at most every cycle once). */
  private readonly dirty: Int32Array;
  /** A full scan's answers from the exact kernel (scratch in its memory, reused). */
  private readonly answers: ScanAnswers;
  /** Whether full scans are shared with helper threads (ScannerOptions.kernelHelpers). */
  private readonly shared: boolean;
  private helperChunks = 0;
  private epoch = 0;
  private readonly unproven = new Set<number>();
  /** 1 for each cycle whose last sizing was "undecided" (see ScanStats.undecided), with their count. */
  private readonly undecidedFlag: Uint8Array;
  private undecided = 0;
  private last: { evaluated: number; exactChecks: number; elapsedMs: number } = {
    evaluated: 0,
    exactChecks: 0,
    elapsedMs: 0,
  };

  constructor(options: ScannerOptions) {
    this.state = new MarketState(options.tokens, options.pools, options.v3Pools);
    const bases = options.baseTokens.map((address) => {
      const i = this.state.tokenIndex.get(normalizeAddress(address));
      if (i === undefined) throw new Error(`base token ${address} is not among the tokens`);
      return i;
    });
    if (new Set(bases).size !== bases.length) throw new Error("duplicate base token");
    this.groupOfToken = new Int32Array(this.state.tokens.length).fill(-1);
    bases.forEach((t, g) => (this.groupOfToken[t] = g));
    this.index = CycleIndex.build({
      tokenCount: this.state.tokens.length,
      token0: this.state.token0,
      token1: this.state.token1,
      baseTokens: bases,
      maxHops: options.maxHops,
    });
    // The kernel's full scan reads the index from its own memory, with each edge's group: copied there once, before
    // the kernel is made.
    const edgeGroups = new Int32Array(2 * this.state.poolCount);
    this.edgeToken = new Array<string>(edgeGroups.length);
    for (let e = 0; e < edgeGroups.length; e++) {
      const source = edgeSource(e, this.state.token0, this.state.token1);
      edgeGroups[e] = Math.max(0, this.groupOfToken[source]!);
      this.edgeToken[e] = this.state.tokens[source]!.address;
    }
    this.state.tables.holdCycles(this.index, edgeGroups, bases.length);
    this.answers = new ScanAnswers(this.state.tables);
    this.shared = options.kernelHelpers !== undefined;
    // The shared scan's answer space is made now, so the memory does not grow under the helpers' feet.
    if (this.shared) this.answers.shareSpace(this.index.cycleCount);
    options.kernelHelpers?.attach(this.state.tables.memory);
    const { edges, hops, stride } = this.index;
    const edgePool = Array.from(edgeGroups, (_, e) => this.state.poolAddress[e >> 1]!);
    this.routes = { edges, hops, stride, edgeToken: this.edgeToken, edgePool };
    this.evaluator = new CycleEvaluator(
      this.state,
      this.index,
      options.minProfit ?? 0n,
      options.sizingBudget,
      options.searchBudget,
    );
    this.book = new OpportunityBook(bases.length, this.index.cycleCount);
    this.queued = new Uint32Array(this.index.cycleCount);
    this.dirty = new Int32Array(this.index.cycleCount);
    this.undecidedFlag = new Uint8Array(this.index.cycleCount);
  }

  get cycleCount(): number {
    return this.index.cycleCount;
  }

  get stats(): ScanStats {
    return {
      pools: this.state.poolCount,
      cycles: this.index.cycleCount,
      evaluated: this.last.evaluated,
      exactChecks: this.last.exactChecks,
      elapsedMs: this.last.elapsedMs,
      helperChunks: this.helperChunks,
      opportunities: this.book.size,
      unproven: this.unproven.size,
      undecided: this.undecided,
    };
  }

  /** Evaluates every cycle and returns all opportunities, by base token, then profit (highest first). */
  fullScan(): Opportunity[] {
    const started = performance.now();
    let exact = 0;
    this.unproven.clear();
    // Only flags set since make the array nonzero: with none, it stays as it is, untouched (in a fresh process, half a
    // megabyte of pages no one has written yet, a page fault for each 4 KiB).
    if (this.undecided > 0) this.undecidedFlag.fill(0);
    this.undecided = 0;
    // The rate test, the profit bound and the sizing of every cycle run in the exact kernel, a call per answer space
    // (one unless it fills up); only the cycles that may profit come back, sorted into list order by their keys.
    const answers = this.answers;
    answers.clear(this.state.tables.indexBits);
    if (this.shared) {
      this.helperChunks = this.evaluator.share(answers);
      exact = this.evaluator.scanned();
    } else {
      for (let from = 0; from < this.index.cycleCount;) {
        from = this.evaluator.scan(from, answers);
        exact += this.evaluator.scanned();
      }
    }
    this.evaluator.sort(answers);
    // One pass in list order makes the opportunities (ScanAnswers.list); the cycles the TypeScript sizes are placed
    // after. The book places the list only when asked (a block after the scan); `orion scan` never asks.
    const listing = answers.list(this.routes, this.evaluator);
    for (const c of listing.unproven) this.unproven.add(c);
    for (const c of listing.undecided) this.setUndecided(c, true);
    this.book.resetListed(listing.cycles, listing.groups, listing.opportunities);
    for (const c of listing.elsewhere) {
      const trade = this.evaluator.size(c);
      if (trade === "undecided") this.setUndecided(c, true);
      else if (trade !== null) this.book.set(c, this.groupOf(c), this.recordTrade(c, trade));
    }
    const result = this.book.list();
    this.finish(started, this.index.cycleCount, exact);
    return result;
  }

  /**
   * Applies one block's reserve changes, re-evaluates only the cycles through the changed pools, and returns the
   * current opportunity set (same order as fullScan). Unchanged reserves cost nothing. Throws for an unknown pool.
   */
  applyReserves(changes: Iterable<ReserveUpdate>): Opportunity[] {
    return this.applyBlock(changes, []);
  }

  /**
   * Applies one block's changes to V2 reserves and V3 swap states together (a cycle through pools of both kinds is
   * re-evaluated once), re-evaluates only the cycles through the changed pools, and returns the current opportunity
   * set (same order as fullScan). A V3 state is held as given: pass a state the caller will not change afterwards.
   * Throws for an unknown pool, or for an update of the wrong kind.
   */
  applyBlock(reserves: Iterable<ReserveUpdate>, v3States: Iterable<V3StateUpdate>): Opportunity[] {
    const started = performance.now();
    const epoch = this.nextEpoch();
    const changed: number[] = [];
    for (const change of reserves) {
      const p = this.state.resolve(change);
      if (this.state.setReserves(p, change.reserve0, change.reserve1)) changed.push(p);
    }
    for (const change of v3States) {
      const p = this.state.resolve(change);
      if (this.state.setV3State(p, change.state)) changed.push(p);
    }
    // Rate test over the changed pools' rows, after every update is applied. Only cycles that may profit now, or
    // that are listed or undecided and may have to go, are queued for the exact pass; a cycle through two changed
    // pools once.
    const { poolOffsets, poolCycles, poolRows, stride } = this.index;
    const rate = this.state.rate;
    let checked = 0;
    let dirtyCount = 0;
    for (const p of changed) {
      const end = poolOffsets[p + 1]!;
      checked += end - poolOffsets[p]!;
      for (let i = poolOffsets[p]!; i < end; i++) {
        const at = i * stride;
        let rho = rate[poolRows[at]!]! * rate[poolRows[at + 1]!]!;
        for (let h = 2; h < stride; h++) {
          const e = poolRows[at + h]!;
          if (e < 0) break;
          rho *= rate[e]!;
        }
        const c = poolCycles[i]!;
        if (!(rho >= RATE_FLOOR) && !this.book.has(c) && this.undecidedFlag[c] === 0) continue;
        if (this.queued[c] === epoch) continue;
        this.queued[c] = epoch;
        this.dirty[dirtyCount++] = c;
      }
    }
    const dirty = this.dirty.subarray(0, dirtyCount);
    let exact = 0;
    for (const c of dirty) {
      let trade: SearchResult = null;
      if (this.evaluator.mayProfit(c)) {
        exact++;
        trade = this.evaluator.size(c);
      }
      this.setUndecided(c, trade === "undecided");
      if (trade !== null && trade !== "undecided") {
        // A cycle's route never changes: a re-sized cycle reuses its previous opportunity's arrays (less garbage per
        // block).
        const previous = this.book.get(c);
        const { amountIn, amountOut, profit } = trade;
        const opportunity =
          previous === undefined
            ? this.recordTrade(c, trade)
            : { ...this.noteProof(c, trade.optimality === "unproven", previous), amountIn, amountOut, profit };
        this.book.set(c, this.groupOf(c), opportunity);
      } else if (this.book.has(c)) {
        this.book.set(c, this.groupOf(c), null);
        this.unproven.delete(c);
      }
    }
    const result = this.book.list();
    this.finish(started, checked, exact);
    return result;
  }

  /** The current opportunity set (as the last fullScan / applyReserves left it), without re-evaluating anything. */
  opportunities(): Opportunity[] {
    return this.book.list();
  }

  /** The current opportunities whose size is not proven (stats.unproven of them), in no particular order. */
  unprovenOpportunities(): Opportunity[] {
    return [...this.unproven].map((c) => this.book.get(c)!);
  }

  /** Current reserves of a V2 pool, or undefined if the scanner knows no V2 pool by that address. */
  pool(address: string): Pool | undefined {
    const p = this.state.poolIndex.get(normalizeAddress(address));
    return p === undefined || this.state.isV3(p) ? undefined : this.state.pool(p);
  }

  /** Current state of a V3 pool, or undefined if the scanner knows no V3 pool by that address. */
  v3Pool(address: string): V3Pool | undefined {
    const p = this.state.poolIndex.get(normalizeAddress(address));
    return p === undefined || !this.state.isV3(p) ? undefined : this.state.v3Pool(p);
  }

  /** Counts cycle c's trade as unproven or not; returns `opportunity`. */
  private noteProof(c: number, unproven: boolean, opportunity: Opportunity): Opportunity {
    if (unproven) this.unproven.add(c);
    else if (this.unproven.size > 0) this.unproven.delete(c);
    return opportunity;
  }

  /** A new opportunity for cycle c's trade. */
  private recordTrade(c: number, trade: SizedTrade): Opportunity {
    const { amountIn, amountOut, profit, optimality } = trade;
    return this.record(c, amountIn, amountOut, profit, optimality === "unproven", this.evaluator.hasV3(c));
  }

  /** A new opportunity for cycle c's trade, given by its fields (`throughV3`: whether its route names protocols). */
  private record(
    c: number,
    amountIn: bigint,
    amountOut: bigint,
    profit: bigint,
    unproven: boolean,
    throughV3: boolean,
  ): Opportunity {
    const { poolAddress } = this.state;
    const { edges, stride, hops } = this.index;
    const edgeToken = this.edgeToken;
    // Read straight from the edge rows into arrays of their final length (no view, iterator or growing array per
    // cycle; a full scan's list makes its own, ScanAnswers.list).
    const n = hops[c]!;
    const path = new Array<string>(n + 1);
    const pools = new Array<string>(n);
    for (let h = 0, at = c * stride; h < n; h++, at++) {
      const e = edges[at]!;
      path[h] = edgeToken[e]!;
      pools[h] = poolAddress[e >> 1]!;
    }
    path[n] = path[0]!;
    const opportunity: Opportunity = { baseToken: path[0]!, pools, tokens: path, amountIn, amountOut, profit };
    // An all-V2 route names no protocols: its messages and output stay as they were before V3 pools.
    if (throughV3) {
      const protocols: PoolProtocol[] = [];
      for (let at = c * stride, end = at + n; at < end; at++) {
        protocols.push(this.state.isV3(edges[at]! >> 1) ? "uniswap-v3" : "uniswap-v2");
      }
      opportunity.protocols = protocols;
    }
    return this.noteProof(c, unproven, opportunity);
  }

  private setUndecided(c: number, undecided: boolean): void {
    const flag = undecided ? 1 : 0;
    if (this.undecidedFlag[c] === flag) return;
    this.undecidedFlag[c] = flag;
    this.undecided += undecided ? 1 : -1;
  }

  private groupOf(c: number): number {
    const first = this.index.edges[c * this.index.stride]!;
    return this.groupOfToken[edgeSource(first, this.state.token0, this.state.token1)]!;
  }

  private nextEpoch(): number {
    // Wrapping to 0 would match never-queued cycles; start the marks over instead.
    if (this.epoch === 0xffffffff) {
      this.queued.fill(0);
      this.epoch = 0;
    }
    return ++this.epoch;
  }

  private finish(started: number, evaluated: number, exactChecks: number): void {
    this.last = { evaluated, exactChecks, elapsedMs: performance.now() - started };
  }
}
