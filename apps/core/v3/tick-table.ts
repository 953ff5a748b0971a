/**
 * The initialized ticks of one V3 pool, as far as they are known: every tick in the bitmap words `fromWord..toWord`.
 * The pool's swap walks its tick bitmap one 256-bit word at a time and stops at each word's edge even when nothing is
 * initialized there; those stops change the rounding, so the walk is reproduced word by word, not tick by tick.
 */
import { V3MathError } from "./full-math.ts";

export interface InitializedTick {
  tick: number;
  /** Liquidity added when the price crosses this tick upward (removed downward). */
  liquidityNet: bigint;
  /** Total liquidity referencing the tick; the tick is initialized while this is above zero. */
  liquidityGross: bigint;
}

/** The walk needed a bitmap word that was not read: the quote would be a guess, so there is none. */
export class TickRangeError extends V3MathError {}

/** Bitmap word and bit of a compressed tick (tick / spacing, floored), as TickBitmap.position. */
export function wordOf(compressed: number): number {
  return Math.floor(compressed / 256);
}

/** tick / spacing rounded toward negative infinity, as the bitmap compresses ticks. */
export function compress(tick: number, tickSpacing: number): number {
  return Math.floor(tick / tickSpacing);
}

export class TickTable {
  private ticks: InitializedTick[];

  /** `ticks` must be every initialized tick in the words fromWord..toWord (others are ignored). */
  constructor(
    readonly tickSpacing: number,
    ticks: readonly InitializedTick[],
    readonly fromWord: number,
    readonly toWord: number,
  ) {
    if (!Number.isInteger(tickSpacing) || tickSpacing <= 0) throw new RangeError(`tick spacing ${tickSpacing}`);
    if (fromWord > toWord) throw new RangeError(`tick words ${fromWord}..${toWord} are empty`);
    for (const t of ticks) {
      if (t.tick % tickSpacing !== 0) throw new RangeError(`tick ${t.tick} is not a multiple of ${tickSpacing}`);
      if (t.liquidityGross <= 0n) throw new RangeError(`tick ${t.tick} has no gross liquidity`);
    }
    this.ticks = ticks
      .filter((t) => this.known(wordOf(compress(t.tick, tickSpacing))))
      .map((t) => ({ ...t }))
      .sort((a, b) => a.tick - b.tick);
    for (let i = 1; i < this.ticks.length; i++) {
      if (this.ticks[i]!.tick === this.ticks[i - 1]!.tick) throw new RangeError(`tick ${this.ticks[i]!.tick} twice`);
    }
  }

  /** The initialized ticks, ascending (copies). */
  list(): InitializedTick[] {
    return this.ticks.map((t) => ({ ...t }));
  }

  known(word: number): boolean {
    return word >= this.fromWord && word <= this.toWord;
  }

  liquidityNet(tick: number): bigint {
    const i = this.search(tick);
    const t = this.ticks[i];
    return t !== undefined && t.tick === tick ? t.liquidityNet : 0n;
  }

  /**
   * TickBitmap.nextInitializedTickWithinOneWord: the next initialized tick at or below `tick` (lte) or above it,
   * within the current word; the word's edge (uninitialized) when there is none.
   */
  nextInitializedTickWithinOneWord(tick: number, lte: boolean): { next: number; initialized: boolean } {
    const spacing = this.tickSpacing;
    const compressed = compress(tick, spacing);
    if (lte) {
      const word = wordOf(compressed);
      this.require(word);
      const edge = word * 256;
      // Last initialized tick <= compressed*spacing.
      const i = this.search(compressed * spacing + 1) - 1;
      const t = this.ticks[i];
      if (t !== undefined && t.tick >= edge * spacing) return { next: t.tick, initialized: true };
      return { next: edge * spacing, initialized: false };
    }
    const start = compressed + 1;
    const word = wordOf(start);
    this.require(word);
    const edge = word * 256 + 255;
    const t = this.ticks[this.search(start * spacing)];
    if (t !== undefined && t.tick <= edge * spacing) return { next: t.tick, initialized: true };
    return { next: edge * spacing, initialized: false };
  }

  /** A position of `delta` liquidity (Mint > 0, Burn < 0) between two ticks, as the pool's Tick.update does. */
  applyPosition(tickLower: number, tickUpper: number, delta: bigint): void {
    if (delta === 0n) return;
    this.update(tickLower, delta, delta);
    this.update(tickUpper, delta, -delta);
  }

  clone(): TickTable {
    return new TickTable(this.tickSpacing, this.ticks, this.fromWord, this.toWord);
  }

  private update(tick: number, grossDelta: bigint, netDelta: bigint): void {
    if (!this.known(wordOf(compress(tick, this.tickSpacing)))) return;
    const i = this.search(tick);
    const t = this.ticks[i];
    if (t !== undefined && t.tick === tick) {
      t.liquidityGross += grossDelta;
      t.liquidityNet += netDelta;
      if (t.liquidityGross < 0n) throw new RangeError(`tick ${tick}: burn exceeds its liquidity`);
      if (t.liquidityGross === 0n) this.ticks.splice(i, 1);
      return;
    }
    if (grossDelta < 0n) throw new RangeError(`tick ${tick}: burn of a tick that holds no liquidity`);
    this.ticks.splice(i, 0, { tick, liquidityGross: grossDelta, liquidityNet: netDelta });
  }

  private require(word: number): void {
    if (!this.known(word)) {
      throw new TickRangeError(`tick bitmap word ${word} was not read (known ${this.fromWord}..${this.toWord})`);
    }
  }

  /** Index of the first tick >= `tick`. */
  private search(tick: number): number {
    let lo = 0;
    let hi = this.ticks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ticks[mid]!.tick < tick) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
