import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CycleIndex } from "../cycle-index.ts";
import { MarketState } from "../market-state.ts";
import type { Hop, Pool } from "../pool.ts";
import { getAmountIn, getAmountOut, MAX_RESERVE, routeAmountIn, routeAmountOut } from "../pool-math.ts";
import { exactTrade, optimalTrade } from "../sizing.ts";
import { V2CycleSizer } from "../v2-cycle-sizer.ts";
import { ValueScreen } from "../value-screen.ts";
import type { SizedTrade } from "../sized-trade.ts";
import {
  ELSEWHERE,
  ExactKernel,
  NONE,
  PoolTables,
  REGISTER_BYTES,
  REGISTER_DIGITS,
  REGISTERS,
  SEARCH,
  TEST,
  TRADE,
} from "./kernel.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const WORD = 1n << 64n;
const MASK = WORD - 1n;

/** A kernel over `pools` pools, with its test window as 64-bit words. */
function kernelFor(pools: number): { kernel: ExactKernel; tables: PoolTables; words: BigUint64Array } {
  const tables = new PoolTables(pools);
  const kernel = new ExactKernel(tables);
  return { kernel, tables, words: new BigUint64Array(tables.memory.buffer, TEST, 16) };
}

function put(words: BigUint64Array, at: number, value: bigint, count: number): void {
  for (let i = 0; i < count; i++) words[at + i] = (value >> BigInt(64 * i)) & MASK;
}

function get(words: BigUint64Array, at: number, count: number): bigint {
  let value = 0n;
  for (let i = count - 1; i >= 0; i--) value = (value << 64n) | words[at + i]!;
  return value;
}

/** Numbers below 2^bits whose 32-bit digits are often 0, 1, 2^31 or 2^32 - 1: where carries and Knuth's corrections happen. */
function limbs(bits: number): fc.Arbitrary<bigint> {
  const digit = fc.oneof(
    fc.constantFrom(0n, 1n, 0x7fffffffn, 0x80000000n, 0xfffffffen, 0xffffffffn),
    fc.bigInt({ min: 0n, max: 0xffffffffn }),
  );
  return fc.oneof(
    fc
      .array(digit, { minLength: bits / 32, maxLength: bits / 32 })
      .map((ds) => ds.reduce((v, d) => (v << 32n) | d, 0n)),
    fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n }),
    fc.integer({ min: 0, max: bits - 1 }).map((k) => 1n << BigInt(k)),
    fc.integer({ min: 1, max: bits }).map((k) => (1n << BigInt(k)) - 1n),
  );
}

describe("the exact kernel's arithmetic against bigint", () => {
  const { kernel, words } = kernelFor(1);

  it("multiplies 128-bit numbers into 256 bits", () => {
    fc.assert(
      fc.property(limbs(128), limbs(128), (a, b) => {
        put(words, 0, a, 2);
        put(words, 2, b, 2);
        kernel.exports.testMultiply();
        expect(get(words, 4, 4)).toBe(a * b);
      }),
      { numRuns: 3000, seed: 1 },
    );
  });

  it("divides 256-bit numbers by 128-bit ones: quotient, whether it is below 2^128, whether a remainder is left", () => {
    const ints = new Int32Array(words.buffer, TEST + 80, 2);
    const check = (n: bigint, d: bigint) => {
      put(words, 0, n, 4);
      put(words, 4, d, 2);
      kernel.exports.testDivide();
      expect(get(words, 6, 4)).toBe(n / d);
      expect(ints[0]).toBe(n / d < 1n << 128n ? 1 : 0);
      expect(ints[1]).toBe(n % d === 0n ? 0 : 1);
    };
    fc.assert(
      fc.property(limbs(256), limbs(128), (n, d) => check(n, d === 0n ? 1n : d)),
      { numRuns: 5000, seed: 2 },
    );
    // Divisors of every length against dividends just around their multiples.
    fc.assert(
      fc.property(limbs(128), limbs(128), fc.integer({ min: -2, max: 2 }), (d, q, e) => {
        const divisor = d === 0n ? 1n : d;
        const n = divisor * q + BigInt(e);
        if (n >= 0n && n < 1n << 256n) check(n, divisor);
      }),
      { numRuns: 5000, seed: 3 },
    );
    check((1n << 256n) - 1n, 1n);
    check((1n << 256n) - 1n, (1n << 128n) - 1n);
    check(0n, 7n);
  });

  it("divides a product of two 128-bit numbers by a 128-bit one, quotients below 2^63 from a float estimate corrected", () => {
    const ints = new Int32Array(words.buffer, TEST + 80, 2);
    const check = (x: bigint, y: bigint, d: bigint) => {
      put(words, 0, x, 2);
      put(words, 2, y, 2);
      put(words, 4, d, 2);
      kernel.exports.testMulDiv();
      const q = (x * y) / d;
      expect(ints[0]).toBe(q < 1n << 128n ? 1 : 0);
      if (q < 1n << 128n) expect(get(words, 6, 2)).toBe(q);
      expect(ints[1]).toBe((x * y) % d === 0n ? 0 : 1);
    };
    fc.assert(
      fc.property(limbs(128), limbs(128), limbs(128), (x, y, d) => check(x, y, d === 0n ? 1n : d)),
      { numRuns: 5000, seed: 6 },
    );
    // Products at and beside a multiple of d whose quotient lies below 2^64 (the estimate's range and its edge):
    // x * y = q * d + e for y the cofactor of a chosen x, so the remainder's sign and the last unit decide.
    fc.assert(
      fc.property(
        limbs(128),
        fc.oneof(limbs(64), fc.bigInt({ min: (1n << 63n) - 4096n, max: (1n << 63n) + 4096n })),
        fc.bigInt({ min: 1n, max: (1n << 40n) - 1n }),
        fc.integer({ min: -3, max: 3 }),
        (d, q, x, e) => {
          const divisor = d === 0n ? 1n : d;
          const n = divisor * q + BigInt(e);
          if (n < 0n || n % x !== 0n) {
            // Not a product of x: take the nearest one below.
            const y = (n < 0n ? 0n : n) / x;
            if (y < 1n << 128n) check(x, y, divisor);
            return;
          }
          if (n / x < 1n << 128n) check(x, n / x, divisor);
        },
      ),
      { numRuns: 20000, seed: 7 },
    );
    check(0n, 5n, 3n);
    check(1n, 1n, (1n << 128n) - 1n);
    check((1n << 128n) - 1n, (1n << 128n) - 1n, (1n << 128n) - 1n);
    check((1n << 63n) - 1n, 1n, 1n);
    check(1n << 63n, 1n, 1n);
  });

  it("converts 128-bit numbers to the nearest float, ties to even, as Number does", () => {
    const ties = fc
      .tuple(fc.bigInt({ min: 1n << 52n, max: (1n << 53n) - 1n }), fc.integer({ min: 1, max: 74 }), fc.boolean())
      .map(([m, shift, above]) => ((2n * m + 1n) << BigInt(shift - 1)) + (above && shift > 1 ? 1n : 0n));
    fc.assert(
      fc.property(fc.oneof(limbs(128), ties), (v) => {
        if (v >= 1n << 128n) return;
        expect(kernel.exports.testToFloat(v >> 64n, v & MASK)).toBe(Number(v));
      }),
      { numRuns: 5000, seed: 4 },
    );
  });

  it("prices a V2 hop both ways as getAmountOut and getAmountIn do, or says it is out of range", () => {
    const { kernel: hop, tables, words: w } = kernelFor(1);
    const reserve = fc.oneof(
      limbs(128).map((v) => v % MAX_RESERVE),
      fc.bigInt({ min: 1n, max: 10n ** 6n }),
    );
    fc.assert(
      fc.property(
        reserve,
        reserve,
        fc.integer({ min: 0, max: 9999 }),
        limbs(128),
        fc.integer({ min: 0, max: 1 }),
        (r0, r1, fee, amount, side) => {
          tables.feeBps[0] = fee;
          tables.setExact(0, r0, r1);
          const [rIn, rOut] = side === 0 ? [r0, r1] : [r1, r0];
          put(w, 0, amount, 2);
          const forward = hop.exports.testHop(1, 0, side);
          if (amount < 1n << 113n) {
            expect(forward).toBe(1);
            expect(get(w, 2, 2)).toBe(getAmountOut(amount, rIn, rOut, fee));
          } else expect(forward === 0 || amount === 0n || rIn === 0n || rOut === 0n).toBe(true);
          put(w, 0, amount, 2);
          const backward = hop.exports.testHop(0, 0, side);
          const truth = getAmountIn(amount, rIn, rOut, fee);
          if (truth === null) expect(backward).toBe(2);
          else if (truth < 1n << 128n) {
            expect(backward).toBe(1);
            expect(get(w, 2, 2)).toBe(truth);
          } else expect(backward).toBe(0);
        },
      ),
      { numRuns: 5000, seed: 5 },
    );
  });
});

/** A market of three tokens and `reserves.length` pools between them (pool i joins tokens i % 3 and (i + 1) % 3). */
function market(reserves: readonly [bigint, bigint, number][]): {
  state: MarketState;
  index: CycleIndex;
  pools: Pool[];
} {
  const tokens = [0, 1, 2].map((i) => ({
    address: `0x${String(i + 1).padStart(40, "0")}`,
    symbol: `T${i}`,
    decimals: 18,
  }));
  const pools: Pool[] = reserves.map(([reserve0, reserve1, feeBps], i) => ({
    address: `0x${String(100 + i).padStart(40, "0")}`,
    dex: "test",
    token0: tokens[i % 3]!.address,
    token1: tokens[(i + 1) % 3]!.address,
    reserve0,
    reserve1,
    feeBps,
  }));
  const state = new MarketState(tokens, pools);
  const index = CycleIndex.build({
    tokenCount: 3,
    token0: state.token0,
    token1: state.token1,
    baseTokens: [0, 1, 2],
    maxHops: 3,
  });
  return { state, index, pools };
}

function hopsOf(state: MarketState, index: CycleIndex, c: number): Hop[] {
  return [...index.cycleEdges(c)].map((e) => {
    const p = e >> 1;
    const [reserveIn, reserveOut] =
      (e & 1) === 0 ? [state.reserve0[p]!, state.reserve1[p]!] : [state.reserve1[p]!, state.reserve0[p]!];
    return { reserveIn, reserveOut, feeBps: state.feeBps[p]! };
  });
}

/** The kernel's split values and screen for a cycle it left to the exact search are the TypeScript's (sizing.ts). */
function searchedAsTypeScript(kernel: ExactKernel, hops: Hop[]): void {
  const split = kernel.split();
  const head = hops.slice(0, split);
  const tail = hops.slice(split);
  const screen = ValueScreen.of(head, tail);
  for (const y of [1n, 2n, 3n, 997n, 10n ** 6n, 10n ** 12n, 1n << 40n, 10n ** 18n, (1n << 63n) - 1n]) {
    const cost = routeAmountIn(y, head);
    expect(kernel.splitValue(y)).toBe(cost === null ? null : routeAmountOut(y, tail) - cost);
    for (const best of [-1, 0, 1, 1e6, 1e15]) {
      const from = Number(y < 1n << 40n ? y : 1n << 40n);
      for (const step of [1, -1]) {
        const count = step === 1 ? 64 : Math.min(64, from);
        expect(kernel.screen(from, step, count, best)).toBe(screen.firstOpen(from, step, count, best));
      }
    }
  }
}

describe("the exact search's signed registers against bigint", () => {
  const { kernel, tables } = kernelFor(1);
  const view = new DataView(tables.memory.buffer);
  const DIGIT = 1n << 32n;

  function setRegister(r: number, value: bigint): void {
    const at = REGISTERS + r * REGISTER_BYTES;
    let magnitude = value < 0n ? -value : value;
    let n = 0;
    for (; magnitude > 0n; n++, magnitude >>= 32n) view.setUint32(at + 8 + 4 * n, Number(magnitude % DIGIT), true);
    view.setInt32(at, n, true);
    view.setInt32(at + 4, value < 0n ? 1 : 0, true);
  }

  function register(r: number): bigint {
    const at = REGISTERS + r * REGISTER_BYTES;
    let magnitude = 0n;
    for (let i = view.getInt32(at, true) - 1; i >= 0; i--) {
      magnitude = (magnitude << 32n) | BigInt(view.getUint32(at + 8 + 4 * i, true));
    }
    return view.getInt32(at + 4, true) === 1 ? -magnitude : magnitude;
  }

  const signed = (bits: number) => fc.tuple(limbs(bits), fc.boolean()).map(([m, negative]) => (negative ? -m : m));
  const FITS = 1n << BigInt(32 * REGISTER_DIGITS);

  it("multiplies, adds and subtracts signed numbers, or says the result overflows its digits", () => {
    fc.assert(
      fc.property(signed(1024), signed(960), (a, b) => {
        setRegister(0, a);
        setRegister(1, b);
        const ops: [number, bigint][] = [
          [0, a * b],
          [1, a + b],
          [2, a - b],
        ];
        for (const [op, expected] of ops) {
          const fits = (expected < 0n ? -expected : expected) < FITS;
          const status = kernel.exports.testRegisters(op, 0);
          // A product overflows on the digits its factors have, which may say so for a result that would fit.
          if (op === 0 ? status === 0 : fits) {
            expect(status).toBe(0);
            expect(register(2)).toBe(expected);
          } else expect(fits && op !== 0).toBe(false);
        }
      }),
      { numRuns: 3000, seed: 8 },
    );
  });

  it("divides, rounding down, non-negative numbers by positive ones", () => {
    fc.assert(
      fc.property(limbs(1024), limbs(640), (a, b) => {
        const d = b === 0n ? 1n : b;
        setRegister(0, a);
        setRegister(1, d);
        kernel.exports.testRegisters(3, 0);
        expect(register(2)).toBe(a / d);
      }),
      { numRuns: 5000, seed: 9 },
    );
  });

  it("converts to the nearest float, ties to even, as Number does, and integer floats back as BigInt does", () => {
    fc.assert(
      fc.property(signed(1024), fc.double({ noNaN: true, noDefaultInfinity: true }), (a, x) => {
        setRegister(0, a);
        expect(kernel.exports.testRegisters(4, 0)).toBe(Number(a));
        const integer = Math.trunc(x);
        kernel.exports.testRegisters(5, integer);
        expect(register(2)).toBe(BigInt(integer));
      }),
      { numRuns: 5000, seed: 10 },
    );
  });
});

/**
 * The kernel's exact search of a cycle it left to it is the TypeScript's (exactTrade with the kernel's split), for a
 * budget that proves and one that runs out; counts its answers.
 */
function searchesAsTypeScript(kernel: ExactKernel, hops: Hop[], answers: Map<string, number>): void {
  for (const budget of [4096, 6]) {
    const expected = exactTrade(hops, BigInt(budget), kernel.split());
    const answer = kernel.search(budget);
    let found: SizedTrade | null | "elsewhere" = "elsewhere";
    if (answer === NONE) found = null;
    else if (answer === TRADE) found = kernel.trade();
    const key = found === null || found === "elsewhere" ? String(found) : found.optimality;
    answers.set(key, (answers.get(key) ?? 0) + 1);
    if (found !== "elsewhere") expect(found).toEqual(expected);
  }
}

describe("V2 cycles sized by the kernel", () => {
  it("are sized as optimalTrade sizes them, to the wei, on every path the kernel takes", () => {
    const answers = new Map<number, number>();
    const searches = new Map<string, number>();
    // Reserves of 18-decimal tokens beside a 6-decimal one (coarse units), near parity, from dust to 2^112.
    const scale = fc.constantFrom(1n, 10n ** 6n, 10n ** 12n, 10n ** 18n, 10n ** 24n, 1n << 100n);
    const reserve = fc.tuple(fc.bigInt({ min: 1n, max: 10n ** 6n }), scale).map(([m, s]) => {
      const r = m * s;
      return r < MAX_RESERVE ? r : MAX_RESERVE - m;
    });
    const fee = fc.constantFrom(0, 5, 30, 100, 9999);
    const pool = fc.tuple(reserve, reserve, fee);
    fc.assert(
      fc.property(fc.array(pool, { minLength: 3, maxLength: 5 }), (reserves) => {
        const { state, index } = market(reserves);
        const sizer = new V2CycleSizer(state, index, 4096n);
        const probe = new ExactKernel(state.tables);
        for (let c = 0; c < index.cycleCount; c++) {
          const edges = [...index.cycleEdges(c), 0, 0];
          const answer = probe.size(index.hops[c]!, edges[0]!, edges[1]!, edges[2]!, edges[3]!);
          answers.set(answer, (answers.get(answer) ?? 0) + 1);
          if (answer === SEARCH) {
            searchedAsTypeScript(probe, hopsOf(state, index, c));
            searchesAsTypeScript(probe, hopsOf(state, index, c), searches);
          }
          expect(sizer.size(c)).toEqual(optimalTrade(hopsOf(state, index, c), 4096n));
        }
      }),
      { numRuns: 400, seed: 6 },
    );
    // Every answer but ELSEWHERE (the next test's) was exercised.
    for (const answer of [NONE, TRADE, SEARCH]) expect(answers.get(answer)).toBeGreaterThan(0);
    // The search decided in the kernel, with each optimality, and left few cycles to the TypeScript.
    for (const answer of ["exact", "ppm", "unproven"]) expect(searches.get(answer)).toBeGreaterThan(0);
  });

  it("hands a pool with a reserve from 2^112 on to the TypeScript", () => {
    const { state, index } = market([
      [MAX_RESERVE, 2n * 10n ** 18n, 30],
      [10n ** 18n, 10n ** 18n, 30],
      [10n ** 18n, 10n ** 18n, 30],
    ]);
    const probe = new ExactKernel(state.tables);
    const sizer = new V2CycleSizer(state, index, 4096n);
    for (let c = 0; c < index.cycleCount; c++) {
      const edges = [...index.cycleEdges(c), 0, 0];
      const answer = probe.size(index.hops[c]!, edges[0]!, edges[1]!, edges[2]!, edges[3]!);
      if (edges.slice(0, index.hops[c]!).some((e) => e >> 1 === 0)) expect(answer).toBe(ELSEWHERE);
      expect(sizer.size(c)).toEqual(optimalTrade(hopsOf(state, index, c), 4096n));
    }
  });
});

describe("the committed WebAssembly", () => {
  it("is what the AssemblyScript source compiles to, byte for byte (npm run build:kernel)", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["bin/build-kernel.mjs", "--check"], { cwd: ROOT });
    expect(stdout).toContain("matches");
  }, 60_000);
});
