import { orderProtocols, routeGas, type GasModel, type Order, type PoolProtocol } from "../domain/index.ts";
import type { RiskLedger } from "./ledger.ts";
import type { Candidate, DecideInput, Decision, Ratio, RejectReason, Rejection } from "./types.ts";

/** Gas cost of a route in wei. */
export function gasCostWei(route: number | readonly PoolProtocol[], gas: GasModel, gasPriceWei: bigint): bigint {
  return routeGas(route, gas) * gasPriceWei;
}

/** Value of `wei` in base-token units, rounded up: a cost is never understated. */
export function weiToBase(wei: bigint, price: Ratio): bigint {
  return (wei * price.num + price.den - 1n) / price.den;
}

/** Value of `amount` base-token units in wei, rounded up, for exposure. */
export function baseToWei(amount: bigint, price: Ratio): bigint {
  return (amount * price.den + price.num - 1n) / price.num;
}

function halt(candidates: readonly Candidate[], reason: RejectReason): Decision {
  return {
    orders: [],
    exposureWei: {},
    rejections: candidates.map((c) => ({ opportunityId: c.id, reason })),
    halted: reason,
  };
}

/** How many of a block's candidates each rule rejected, in the order the rules first appear. */
export function rejectionCounts(rejections: readonly Rejection[]): Map<RejectReason, number> {
  const counts = new Map<RejectReason, number>();
  for (const r of rejections) counts.set(r.reason, (counts.get(r.reason) ?? 0) + 1);
  return counts;
}

/**
 * The strategy: turns one block's candidates into orders. Gates first (control store, journal, kill switch,
 * breaker, daily loss), then each candidate best-first by profit after gas: staleness, quarantined pools, pricing,
 * minimum profit, size limit, pools busy or already used this block, open exposure. Placed orders are entered in the ledger.
 */
export function decide(input: DecideInput, ledger: RiskLedger): Decision {
  const { candidates, control, market, gas, now } = input;
  if (control === null) return halt(candidates, "control-store-unavailable");
  ledger.enterEpoch(control.epoch);
  ledger.expire(market.latestBlock);
  if (!input.storeHealthy) return halt(candidates, "trade-store-unavailable");
  if (control.killSwitch.engaged) return halt(candidates, "kill-switch");
  const limits = control.limits;
  if (ledger.breakerOpen(control.version, limits.maxConsecutiveFailures)) return halt(candidates, "circuit-open");
  if (ledger.dailyLossWei(now) >= limits.dailyLossLimitWei) return halt(candidates, "daily-loss-limit");

  const rejections: Rejection[] = [];
  const priced: { c: Candidate; net: bigint; minProfit: bigint; price: Ratio }[] = [];
  for (const c of candidates) {
    const reject = (reason: RejectReason) => rejections.push({ opportunityId: c.id, reason });
    if (c.blockNumber < market.latestBlock) {
      reject("stale-state");
      continue;
    }
    if (c.pools.some((p) => ledger.isQuarantined(p))) {
      reject("pool-quarantined");
      continue;
    }
    const price = market.basePerNative[c.baseToken];
    if (!price || price.num <= 0n || price.den <= 0n) {
      reject("no-gas-price");
      continue;
    }
    // All the trade pays to the chain: L2 gas, and on OP-stack chains the L1 data fee, which no gas figure shows.
    const l1Fee = market.l1FeeWeiByHops?.[String(c.pools.length)] ?? 0n;
    const gasInBase = weiToBase(gasCostWei(orderProtocols(c), gas, market.gasPriceWei) + l1Fee, price);
    const net = c.profit - gasInBase;
    if (net < limits.minProfitAfterGasWei || net <= 0n) {
      reject("below-min-profit-after-gas");
      continue;
    }
    // The contract reverts below this, so a mined trade never loses more than the gas of a revert.
    priced.push({ c, net, minProfit: gasInBase + limits.minProfitAfterGasWei, price });
  }
  priced.sort((a, b) => (a.net === b.net ? (a.c.id < b.c.id ? -1 : 1) : a.net > b.net ? -1 : 1));

  const orders: Order[] = [];
  const exposures: Record<string, bigint> = {};
  const used = new Set<string>();
  let exposure = ledger.openExposureWei;
  for (const { c, minProfit, price } of priced) {
    const reject = (reason: RejectReason) => rejections.push({ opportunityId: c.id, reason });
    const maxIn = limits.maxAmountInPerToken[c.baseToken] ?? limits.defaultMaxAmountIn;
    if (c.amountIn > maxIn) {
      reject("amount-above-limit");
      continue;
    }
    if (c.pools.some((p) => used.has(p))) {
      reject("pool-already-ordered");
      continue;
    }
    if (c.pools.some((p) => ledger.isBusy(p))) {
      reject("pool-in-flight");
      continue;
    }
    const exposureWei = baseToWei(c.amountIn, price);
    if (exposure + exposureWei > limits.maxOpenExposureWei) {
      reject("exposure-limit");
      continue;
    }
    const order: Order = {
      opportunityId: c.id,
      mode: control.mode,
      epoch: control.epoch,
      blockNumber: c.blockNumber,
      baseToken: c.baseToken,
      pools: c.pools,
      tokens: c.tokens,
      amountIn: c.amountIn,
      predictedProfit: c.profit,
      minProfit,
      // The executor encodes each V3 hop as such; an all-V2 route names no protocols, as before V3 pools.
      ...(c.protocols ? { protocols: c.protocols } : {}),
    };
    for (const p of c.pools) used.add(p);
    exposure += exposureWei;
    ledger.placed(order, exposureWei);
    orders.push(order);
    exposures[order.opportunityId] = exposureWei;
  }
  return { orders, exposureWei: exposures, rejections, halted: null };
}
