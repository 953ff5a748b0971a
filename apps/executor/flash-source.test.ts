import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FLASH_SOURCE_GAS, chooseFlashSource, flashFee } from "./flash-source.ts";
import type { FlashLender, FlashRequest } from "./flash-source.ts";

const WETH = "0x00000000000000000000000000000000000000e1";
const P1 = "0x00000000000000000000000000000000000000a1";
const P2 = "0x00000000000000000000000000000000000000a2";
const V3 = "0x00000000000000000000000000000000000000b1";
const AAVE = "0x00000000000000000000000000000000000000c1";
const VAULT = "0x00000000000000000000000000000000000000d1";
const ONE = 10n ** 18n;

const lender = (source: FlashLender["source"], address: string, fee: FlashLender["fee"], available = 1_000n * ONE) => ({
  source,
  address,
  fee,
  available: new Map([[WETH, available]]),
});
const v3Lender = lender("v3-flash", V3, { kind: "v3-pips", pips: 500 });
const aave = lender("aave-v3", AAVE, { kind: "aave-bps", bps: 5n });
const vault = lender("balancer", VAULT, { kind: "balancer-wad", wad: 0n });

const request = (over: Partial<FlashRequest> = {}): FlashRequest => ({
  baseToken: WETH,
  amountIn: 10n * ONE,
  pools: [P1, P2],
  protocols: ["uniswap-v2", "uniswap-v2"],
  lenders: [v3Lender, aave],
  gasPriceWei: 10n ** 9n,
  baseToWei: (a) => a,
  ...over,
});

describe("flashFee: each lender's own rounding", () => {
  it.each([
    { fee: { kind: "v3-pips", pips: 500 } as const, amount: 1_000_001n, want: 501n }, // up: 500.0005
    { fee: { kind: "v3-pips", pips: 3000 } as const, amount: 1_000_000n, want: 3_000n },
    { fee: { kind: "aave-bps", bps: 5n } as const, amount: 1_000n, want: 1n }, // half up: 0.5
    { fee: { kind: "aave-bps", bps: 5n } as const, amount: 999n, want: 0n }, // 0.4995 rounds down
    { fee: { kind: "aave-bps", bps: 9n } as const, amount: 10n ** 18n, want: 9n * 10n ** 14n },
    { fee: { kind: "balancer-wad", wad: 0n } as const, amount: 10n ** 18n, want: 0n },
    { fee: { kind: "balancer-wad", wad: 10n ** 15n } as const, amount: 1_001n, want: 2n }, // up: 1.001
  ])("$fee.kind of $amount", ({ fee, amount, want }) => {
    expect(flashFee(fee, amount)).toBe(want);
  });
});

describe("chooseFlashSource", () => {
  it("a V2 first hop flash-swaps: no fee, no extra gas", () => {
    expect(chooseFlashSource(request())).toEqual({ source: "v2-flash-swap", lender: null, fee: 0n, costWei: 0n });
  });

  it("a V3 first hop borrows: the V3 flash when its fee and gas cost less than Aave's", () => {
    const choice = chooseFlashSource(request({ protocols: ["uniswap-v3", "uniswap-v2"] }));
    expect(choice).toMatchObject({ source: "v3-flash", lender: V3, fee: 5n * 10n ** 15n });
    expect(choice?.costWei).toBe(5n * 10n ** 15n + FLASH_SOURCE_GAS["v3-flash"] * 10n ** 9n);
  });

  it("Aave when the V3 pool is dearer, Balancer's free loan over both", () => {
    const dear = lender("v3-flash", V3, { kind: "v3-pips", pips: 10_000 });
    const r = request({ protocols: ["uniswap-v3", "uniswap-v2"], lenders: [dear, aave] });
    expect(chooseFlashSource(r)).toMatchObject({ source: "aave-v3", lender: AAVE, fee: 5n * 10n ** 15n });
    expect(chooseFlashSource({ ...r, lenders: [dear, aave, vault] })).toMatchObject({ source: "balancer", fee: 0n });
  });

  it("skips a lender that is in the route or holds too little, and gives up when none is left", () => {
    const r = request({ protocols: ["uniswap-v3", "uniswap-v2"], pools: [V3, P2] });
    expect(chooseFlashSource(r)).toMatchObject({ source: "aave-v3" });
    const poor = lender("aave-v3", AAVE, { kind: "aave-bps", bps: 5n }, ONE);
    expect(chooseFlashSource({ ...r, lenders: [v3Lender, poor] })).toBeNull();
    expect(chooseFlashSource({ ...r, baseToken: P1 })).toBeNull();
  });

  it("property: the choice is feasible and no feasible option costs less", () => {
    const arbLender = fc.record({
      source: fc.constantFrom("v3-flash" as const, "balancer" as const, "aave-v3" as const),
      address: fc.constantFrom(V3, AAVE, VAULT, P1),
      fee: fc.oneof(
        fc.record({ kind: fc.constant("v3-pips" as const), pips: fc.integer({ min: 0, max: 10_000 }) }),
        fc.record({ kind: fc.constant("aave-bps" as const), bps: fc.bigInt({ min: 0n, max: 100n }) }),
        fc.record({ kind: fc.constant("balancer-wad" as const), wad: fc.bigInt({ min: 0n, max: 10n ** 16n }) }),
      ),
      available: fc.bigInt({ min: 0n, max: 100n * ONE }).map((a) => new Map([[WETH, a]])),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(arbLender, { maxLength: 4, selector: (l) => l.address }),
        fc.bigInt({ min: 1n, max: 50n * ONE }),
        fc.constantFrom("uniswap-v2" as const, "uniswap-v3" as const),
        fc.bigInt({ min: 0n, max: 10n ** 11n }),
        (lenders, amountIn, first, gasPriceWei) => {
          const r = request({ lenders, amountIn, protocols: [first, "uniswap-v2"], gasPriceWei });
          const choice = chooseFlashSource(r);
          const feasible = lenders
            .filter((l) => l.address !== P1 && (l.available.get(WETH) ?? 0n) >= amountIn)
            .map((l) => flashFee(l.fee, amountIn) + FLASH_SOURCE_GAS[l.source] * gasPriceWei);
          if (first === "uniswap-v2") feasible.push(0n);
          if (feasible.length === 0) {
            expect(choice).toBeNull();
            return;
          }
          expect(choice).not.toBeNull();
          expect(choice!.costWei).toBe(feasible.reduce((a, b) => (a < b ? a : b)));
          if (choice!.lender !== null) {
            const l = lenders.find((x) => x.address === choice!.lender && x.source === choice!.source)!;
            expect(l.available.get(WETH)! >= amountIn).toBe(true);
            expect(choice!.fee).toBe(flashFee(l.fee, amountIn));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
