import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { DEFAULT_RISK_LIMITS, initialControlState, type ControlState, type RiskLimits } from "../control/index.ts";
import { routeGas } from "../domain/index.ts";
import {
  decide,
  gasCostWei,
  RiskLedger,
  weiToBase,
  type Candidate,
  type DecideInput,
  type TradeResult,
} from "./index.ts";

const A = (n: number) => "0x" + n.toString(16).padStart(40, "0");
const WETH = A(1);
const USDC = A(2);
const DAI = A(3);
const [P1, P2, P3, P4] = [A(0x11), A(0x12), A(0x13), A(0x14)];
const E = 10n ** 18n;
const NOW = new Date("2026-11-27T12:00:00Z");
const GAS = { fixed: 50_000n, perHop: 50_000n };
const GAS_PRICE = 10n ** 9n; // 1 gwei: a 2-hop route costs 150_000 gwei = 1.5e14 wei
const TWO_HOP_GAS = gasCostWei(2, GAS, GAS_PRICE);

function limits(over: Partial<RiskLimits> = {}): RiskLimits {
  return { ...DEFAULT_RISK_LIMITS, minProfitAfterGasWei: 0n, ...over };
}
function control(over: Partial<ControlState> = {}, l: Partial<RiskLimits> = {}): ControlState {
  return initialControlState(NOW, { limits: limits(l), ...over });
}
let seq = 0;
function cand(over: Partial<Candidate> = {}): Candidate {
  seq++;
  return {
    id: `c${seq}`,
    blockNumber: 100,
    baseToken: WETH,
    pools: [P1, P2],
    tokens: [WETH, USDC, WETH],
    amountIn: E,
    amountOut: E + E / 100n,
    profit: E / 100n,
    ...over,
  };
}
function input(candidates: Candidate[], over: Partial<DecideInput> = {}): DecideInput {
  return {
    candidates,
    control: control(),
    storeHealthy: true,
    market: { latestBlock: 100, gasPriceWei: GAS_PRICE, basePerNative: { [WETH]: { num: 1n, den: 1n } } },
    gas: GAS,
    now: NOW,
    ...over,
  };
}

describe("gates that halt the whole block", () => {
  it.each([
    ["control store unreadable", { control: null }, "control-store-unavailable"],
    ["PostgreSQL unreachable", { storeHealthy: false }, "trade-store-unavailable"],
    [
      "kill switch engaged",
      { control: control({ killSwitch: { engaged: true, reason: "ops", since: NOW.toISOString() } }) },
      "kill-switch",
    ],
  ] as const)("%s -> no orders, every candidate rejected", (_what, over, reason) => {
    const cs = [cand(), cand({ pools: [P3, P4] })];
    const d = decide(input(cs, over), new RiskLedger());
    expect(d.orders).toEqual([]);
    expect(d.halted).toBe(reason);
    expect(d.rejections).toEqual(cs.map((c) => ({ opportunityId: c.id, reason })));
  });

  it("an unreadable control store never yields an order in any mode, even one earlier decided live", () => {
    const ledger = new RiskLedger();
    expect(decide(input([cand()], { control: control({ mode: "live" }) }), ledger).orders).toHaveLength(1);
    expect(decide(input([cand({ pools: [P3, P4] })], { control: null }), ledger).orders).toEqual([]);
  });
});

describe("per-candidate risk rules", () => {
  const cases: [string, Partial<Candidate>, Partial<RiskLimits>, Partial<DecideInput["market"]>, string | null][] = [
    ["profitable after gas", {}, {}, {}, null],
    ["state older than the newest block", { blockNumber: 99 }, {}, {}, "stale-state"],
    ["base token with no gas price", { baseToken: DAI, tokens: [DAI, USDC, DAI] }, {}, {}, "no-gas-price"],
    ["profit exactly the gas cost", { profit: TWO_HOP_GAS }, {}, {}, "below-min-profit-after-gas"],
    ["profit one wei above gas", { profit: TWO_HOP_GAS + 1n }, {}, {}, null],
    [
      "below min profit after gas",
      { profit: TWO_HOP_GAS + 99n },
      { minProfitAfterGasWei: 100n },
      {},
      "below-min-profit-after-gas",
    ],
    ["exactly min profit after gas", { profit: TWO_HOP_GAS + 100n }, { minProfitAfterGasWei: 100n }, {}, null],
    [
      "amountIn above the default max",
      { amountIn: 2n * E },
      { defaultMaxAmountIn: 2n * E - 1n },
      {},
      "amount-above-limit",
    ],
    ["amountIn at the default max", { amountIn: 2n * E }, { defaultMaxAmountIn: 2n * E }, {}, null],
    [
      "per-token max overrides the default",
      { amountIn: 2n * E },
      { defaultMaxAmountIn: 100n * E, maxAmountInPerToken: { [WETH]: E } },
      {},
      "amount-above-limit",
    ],
    ["exposure above the limit", { amountIn: 5n * E }, { maxOpenExposureWei: 5n * E - 1n }, {}, "exposure-limit"],
    [
      "gas priced through the base token's rate",
      { profit: 1_000n, amountIn: 1_000_000n },
      {},
      { basePerNative: { [WETH]: { num: 1n, den: 10n ** 12n } } },
      null,
    ],
  ];
  it.each(cases)("%s", (_what, c, l, m, reason) => {
    const candidate = cand(c);
    const base = input([candidate]);
    const d = decide({ ...base, control: control({}, l), market: { ...base.market, ...m } }, new RiskLedger());
    if (reason === null) {
      expect(d.rejections).toEqual([]);
      expect(d.orders).toHaveLength(1);
    } else {
      expect(d.orders).toEqual([]);
      expect(d.rejections).toEqual([{ opportunityId: candidate.id, reason }]);
    }
  });

  it("stamps the order with mode and epoch and sets minProfit to gas plus the minimum, so a mined trade never loses", () => {
    const c = cand();
    const ctl = control({ mode: "live", epoch: 4, version: 9 }, { minProfitAfterGasWei: 7n });
    const [order] = decide(input([c], { control: ctl }), new RiskLedger()).orders;
    expect(order).toEqual({
      opportunityId: c.id,
      mode: "live",
      epoch: 4,
      blockNumber: 100,
      baseToken: WETH,
      pools: c.pools,
      tokens: c.tokens,
      amountIn: c.amountIn,
      predictedProfit: c.profit,
      minProfit: weiToBase(TWO_HOP_GAS, { num: 1n, den: 1n }) + 7n,
    });
  });

  it("carries a mixed route's protocols into its order, and names none for an all-V2 route", () => {
    const mixed = cand({ protocols: ["uniswap-v3", "uniswap-v2"] });
    const plain = cand({ pools: [P3, P4] });
    const orders = decide(input([mixed, plain]), new RiskLedger()).orders;
    expect(orders.find((o) => o.opportunityId === mixed.id)?.protocols).toEqual(["uniswap-v3", "uniswap-v2"]);
    expect(orders.find((o) => o.opportunityId === plain.id)).not.toHaveProperty("protocols");
  });

  it("costs a V3 hop at its own gas, and a V3-first route also with the loan it must take", () => {
    const gas = { fixed: 50_000n, perHop: 50_000n, perV3Hop: 120_000n, flashLoan: 135_000n };
    expect(routeGas(["uniswap-v2", "uniswap-v2"], gas)).toBe(routeGas(2, gas));
    // V2 first: the first pool flash-swaps, no loan.
    expect(routeGas(["uniswap-v2", "uniswap-v3"], gas)).toBe(50_000n + 50_000n + 120_000n);
    expect(routeGas(["uniswap-v3", "uniswap-v2", "uniswap-v3"], gas)).toBe(
      50_000n + 135_000n + 120_000n + 50_000n + 120_000n,
    );
    // Without the V3 figures a model costs V3 hops as V2 ones and no loan: the orders of a V2-only model stay as they were.
    expect(routeGas(["uniswap-v3", "uniswap-v2"], GAS)).toBe(routeGas(2, GAS));

    const ctl = control({}, { minProfitAfterGasWei: 7n });
    const loanGas = (135_000n + 120_000n - 50_000n) * GAS_PRICE;
    // Profitable after a V2 route's gas, not after the loan and the V3 swap: rejected; one wei more than that cost passes.
    const short = cand({ protocols: ["uniswap-v3", "uniswap-v2"], profit: TWO_HOP_GAS + loanGas + 6n });
    const enough = cand({
      pools: [P3, P4],
      protocols: ["uniswap-v3", "uniswap-v2"],
      profit: TWO_HOP_GAS + loanGas + 7n,
    });
    const d = decide(input([short, enough], { control: ctl, gas }), new RiskLedger());
    expect(d.rejections).toEqual([{ opportunityId: short.id, reason: "below-min-profit-after-gas" }]);
    expect(d.orders.map((o) => [o.opportunityId, o.minProfit])).toEqual([[enough.id, TWO_HOP_GAS + loanGas + 7n]]);
  });
});

describe("dedupe: one order per pool per block, best first", () => {
  it("keeps the most profitable of overlapping candidates and every disjoint one", () => {
    const small = cand({ pools: [P1, P2], profit: E / 200n });
    const best = cand({ pools: [P2, P3], profit: E / 50n });
    const disjoint = cand({ pools: [P4, A(0x15)], profit: E / 300n });
    const alsoOverlapping = cand({ pools: [P3, P4], profit: E / 100n });
    const d = decide(input([small, best, disjoint, alsoOverlapping]), new RiskLedger());
    expect(d.orders.map((o) => o.opportunityId)).toEqual([best.id, disjoint.id]);
    expect(d.rejections).toEqual(
      expect.arrayContaining([
        { opportunityId: alsoOverlapping.id, reason: "pool-already-ordered" },
        { opportunityId: small.id, reason: "pool-already-ordered" },
      ]),
    );
  });

  it("skips pools with a trade still in flight from an earlier block until its result arrives", () => {
    const ledger = new RiskLedger();
    const first = cand();
    expect(decide(input([first]), ledger).orders).toHaveLength(1);
    const next = cand({ blockNumber: 101 });
    const market = { latestBlock: 101, gasPriceWei: GAS_PRICE, basePerNative: { [WETH]: { num: 1n, den: 1n } } };
    expect(decide(input([next], { market }), ledger).rejections[0]?.reason).toBe("pool-in-flight");
    ledger.settled({ opportunityId: first.id, status: "confirmed", netWei: 1n }, NOW);
    expect(decide(input([cand({ blockNumber: 101 })], { market }), ledger).orders).toHaveLength(1);
  });

  it("counts open exposure across blocks and within a block", () => {
    const ledger = new RiskLedger();
    const ctl = control({}, { maxOpenExposureWei: 3n * E });
    const d1 = decide(input([cand({ amountIn: 2n * E })], { control: ctl }), ledger);
    expect(d1.orders).toHaveLength(1);
    const d2 = decide(
      input([cand({ pools: [P3, P4], amountIn: 2n * E }), cand({ pools: [A(0x20), A(0x21)], amountIn: E })], {
        control: ctl,
      }),
      ledger,
    );
    expect(d2.orders.map((o) => o.amountIn)).toEqual([E]);
    expect(d2.rejections.map((r) => r.reason)).toEqual(["exposure-limit"]);
    expect(ledger.openExposureWei).toBe(3n * E);
  });
});

describe("circuit breaker and daily loss", () => {
  const fail = (id: string): TradeResult => ({ opportunityId: id, status: "reverted", netWei: -1000n });

  it("opens after N consecutive failures, a success in between resets the streak", () => {
    const ledger = new RiskLedger();
    const ctl = control({}, { maxConsecutiveFailures: 3 });
    ledger.settled(fail("a"), NOW);
    ledger.settled(fail("b"), NOW);
    ledger.settled({ opportunityId: "c", status: "confirmed", netWei: 5000n }, NOW);
    ledger.settled(fail("d"), NOW);
    ledger.settled(fail("e"), NOW);
    expect(decide(input([cand()], { control: ctl }), ledger).halted).toBeNull();
    ledger.settled({ opportunityId: "f", status: "dropped", netWei: 0n }, NOW);
    expect(decide(input([cand({ pools: [P3, P4] })], { control: ctl }), ledger).halted).toBe("circuit-open");
  });

  it.each(["unprofitable", "expired"] as const)("does not count a %s verdict on an order as a failure", (verdict) => {
    const ledger = new RiskLedger();
    const ctl = control({}, { maxConsecutiveFailures: 2 });
    const c = cand();
    ledger.placed({ ...decide(input([c]), new RiskLedger()).orders[0]! }, 0n);
    expect(ledger.isBusy(P1)).toBe(true);
    ledger.settled(fail("a"), NOW);
    ledger.settled({ opportunityId: c.id, status: "rejected", netWei: 0n, verdict }, NOW);
    ledger.settled({ opportunityId: "y", status: "rejected", netWei: 0n, verdict }, NOW);
    // Its pools are free again, the streak is still one: one more real failure opens the breaker.
    expect(ledger.isBusy(P1)).toBe(false);
    expect(decide(input([cand()], { control: ctl }), ledger).halted).toBeNull();
    ledger.settled({ opportunityId: "z", status: "rejected", netWei: 0n }, NOW);
    expect(decide(input([cand({ pools: [P3, P4] })], { control: ctl }), ledger).halted).toBe("circuit-open");
  });

  it("stays open until an operator changes the control state, then re-arms", () => {
    const ledger = new RiskLedger();
    const ctl = control({ version: 5 }, { maxConsecutiveFailures: 1 });
    ledger.settled({ opportunityId: "x", status: "rejected", netWei: 0n }, NOW);
    expect(decide(input([cand()], { control: ctl }), ledger).halted).toBe("circuit-open");
    expect(decide(input([cand()], { control: ctl }), ledger).halted).toBe("circuit-open");
    expect(decide(input([cand()], { control: { ...ctl, version: 6 } }), ledger).halted).toBeNull();
  });

  it("halts once the day's loss reaches the limit; a new UTC day or a new epoch starts at zero", () => {
    const ledger = new RiskLedger();
    const ctl = control({}, { dailyLossLimitWei: 3000n, maxConsecutiveFailures: 100 });
    ledger.settled(fail("a"), NOW);
    ledger.settled(fail("b"), NOW);
    expect(decide(input([cand()], { control: ctl }), ledger).halted).toBeNull();
    ledger.settled({ ...fail("c"), netWei: -1000n }, NOW);
    expect(ledger.dailyLossWei(NOW)).toBe(3000n);
    expect(decide(input([cand({ pools: [P3, P4] })], { control: ctl }), ledger).halted).toBe("daily-loss-limit");
    const tomorrow = new Date("2026-11-28T00:00:01Z");
    expect(decide(input([cand({ pools: [P3, P4] })], { control: ctl, now: tomorrow }), ledger).halted).toBeNull();
    const other = new RiskLedger();
    other.enterEpoch(1);
    other.settled({ ...fail("z"), netWei: -5000n }, NOW);
    expect(decide(input([cand()], { control: ctl }), other).halted).toBe("daily-loss-limit");
    expect(decide(input([cand()], { control: { ...ctl, epoch: 2 } }), other).halted).toBeNull();
  });

  it("releases an order that never reports back once its time to live has passed", () => {
    const ledger = new RiskLedger(5);
    decide(input([cand()]), ledger);
    expect(ledger.isBusy(P1)).toBe(true);
    const later = { latestBlock: 106, gasPriceWei: GAS_PRICE, basePerNative: { [WETH]: { num: 1n, den: 1n } } };
    decide(input([], { market: later }), ledger);
    expect(ledger.isBusy(P1)).toBe(false);
    expect(ledger.openExposureWei).toBe(0n);
  });
});

describe("pool quarantine", () => {
  const market = (latestBlock: number) => ({
    latestBlock,
    gasPriceWei: GAS_PRICE,
    basePerNative: { [WETH]: { num: 1n, den: 1n } },
  });
  /** Places an order through `pools` at `block` and settles it as a route revert. */
  function revertThrough(ledger: RiskLedger, pools: string[], block: number, ctl = control()): void {
    const c = cand({ pools, blockNumber: block });
    const [order] = decide(input([c], { control: ctl, market: market(block) }), ledger).orders;
    expect(order).toBeDefined();
    ledger.settled({ opportunityId: c.id, status: "reverted", netWei: -1000n, routeReverted: true }, NOW);
  }

  it("benches a pool whose routes revert twice in a row, for its period only, without opening the breaker", () => {
    const ledger = new RiskLedger(20, { afterReverts: 2, blocks: 10 });
    const ctl = control({}, { maxConsecutiveFailures: 3 });
    const BAD = A(0x66);
    revertThrough(ledger, [P1, BAD], 100, ctl);
    revertThrough(ledger, [P2, BAD], 101, ctl);
    expect(ledger.isQuarantined(BAD)).toBe(true);
    // Two reverts in a row, but through one pool: the breaker counts one failure, the pool took the other.
    expect(ledger.consecutiveFailures).toBe(1);
    const d = decide(
      input([cand({ pools: [P4, BAD], blockNumber: 103 }), cand({ pools: [P4, A(0x20)], blockNumber: 103 })], {
        control: ctl,
        market: market(103),
      }),
      ledger,
    );
    expect(d.halted).toBeNull();
    expect(d.rejections.map((r) => r.reason)).toEqual(["pool-quarantined"]);
    expect(d.orders.map((o) => o.pools)).toEqual([[P4, A(0x20)]]);
    // Back in the routes once its period is over (benched at block 101 for 10 blocks).
    const at = (block: number) =>
      decide(
        input([cand({ pools: [A(block), BAD], blockNumber: block })], { control: ctl, market: market(block) }),
        ledger,
      );
    expect(at(111).rejections.map((r) => r.reason)).toEqual(["pool-quarantined"]);
    expect(at(112).orders).toHaveLength(1);
  });

  it("still opens the breaker for reverts spread over different pools, and ignores gate rejections", () => {
    const ledger = new RiskLedger(20, { afterReverts: 2, blocks: 10 });
    const ctl = control({}, { maxConsecutiveFailures: 3 });
    revertThrough(ledger, [P1, P2], 100, ctl);
    const gated = cand({ pools: [P1, A(0x30)], blockNumber: 101 });
    decide(input([gated], { control: ctl, market: market(101) }), ledger);
    // Refused by a gate (no key, mode), not by the route: no strike against P1.
    ledger.settled({ opportunityId: gated.id, status: "rejected", netWei: 0n }, NOW);
    expect(ledger.isQuarantined(P1)).toBe(false);
    revertThrough(ledger, [P3, P4], 102, ctl);
    expect(
      decide(
        input([cand({ blockNumber: 103, pools: [A(0x40), A(0x41)] })], { control: ctl, market: market(103) }),
        ledger,
      ).halted,
    ).toBe("circuit-open");
  });

  it("clears a pool's strikes when a route through it succeeds", () => {
    const ledger = new RiskLedger(20, { afterReverts: 2, blocks: 10 });
    revertThrough(ledger, [P1, P2], 100);
    const ok = cand({ pools: [P1, P3], blockNumber: 101 });
    decide(input([ok], { market: market(101) }), ledger);
    ledger.settled({ opportunityId: ok.id, status: "confirmed", netWei: 5n }, NOW);
    revertThrough(ledger, [P1, P4], 102);
    expect(ledger.isQuarantined(P1)).toBe(false);
    expect(ledger.isQuarantined(P2)).toBe(false);
  });
});

describe("properties", () => {
  it("every candidate is ordered or rejected exactly once, orders never share a pool, and each clears its minimum", () => {
    const pools = [P1, P2, P3, P4, A(0x15), A(0x16)];
    const arb = fc.array(
      fc.record({
        pools: fc.uniqueArray(fc.constantFrom(...pools), { minLength: 2, maxLength: 3 }),
        profit: fc.bigInt({ min: 0n, max: E }),
        amountIn: fc.bigInt({ min: 1n, max: 300n * E }),
        blockNumber: fc.constantFrom(99, 100),
      }),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(arb, (specs) => {
        const cs = specs.map((s) => cand({ ...s, tokens: [WETH, ...s.pools.slice(1).map(() => USDC), WETH] }));
        const d = decide(input(cs), new RiskLedger());
        const ids = [...d.orders.map((o) => o.opportunityId), ...d.rejections.map((r) => r.opportunityId)];
        expect(ids.sort()).toEqual(cs.map((c) => c.id).sort());
        const seen = new Set<string>();
        for (const o of d.orders) {
          for (const p of o.pools) {
            expect(seen.has(p)).toBe(false);
            seen.add(p);
          }
          expect(o.predictedProfit).toBeGreaterThan(o.minProfit);
        }
      }),
    );
  });
});
