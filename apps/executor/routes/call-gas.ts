/**
 * The gas an executor call needs, from the node: the EOA route's transaction gas limit and the ERC-4337 route's call
 * gas both come from here. A node's eth_estimateGas runs the call many times (a binary search; about four times the
 * cost of one eth_call on the devnet, where the executor's simulation waits behind it). Instead, the last estimate of
 * the route (or, for a route not estimated yet, of one of the same shape) is re-checked with one eth_call limited to
 * that estimate. If it succeeds, the call needs no more gas than the estimate now, so the limit keeps at least the
 * whole margin over what it needs, as a fresh estimate would give it (a shape's estimate may give a few percent more
 * than this route needs: gas is paid as used); if not, the call is estimated afresh. When the executor's simulation
 * already ran with that estimate as its limit (`checked`), its outcome is the re-check.
 *
 * A route with no estimate yet may come with a budget instead (gasBudget(): the gas its order was costed with, an
 * upper bound of what such routes measured): it is checked the same way, with the same headroom, and only a call
 * that needs more is estimated. Nothing is learnt from a budget that held: the next trade checks it again.
 *
 * The re-check's limit is the estimate (or budget) plus RECHECK_HEADROOM_BPS: a route of the same shape, or the same
 * route with other amounts, often needs a little more than the estimate (on the devnet 13 gas to 5% more), and a
 * failed re-check costs the order a second simulation and an eth_estimateGas, 10-15 ms of the node's one queue in
 * front of the block's other simulations (bench/MEASUREMENTS.md). The limit sent is still the margin over the
 * re-checked gas.
 */
import { toQuantity, type JsonRpcApiProvider } from "ethers";
import { gasLimitFor } from "../fee-policy.ts";
import { GasEstimates } from "../gas-estimates.ts";
import type { GasCheck } from "./route.ts";

/** Over the last estimate, for the re-check: more than the largest shortfall seen on the devnet (5%). */
export const RECHECK_HEADROOM_BPS = 1_000;

export interface CallGasDeps {
  provider: JsonRpcApiProvider;
  /** The caller the contract sees (the route's account) and the contract. */
  from: string;
  to: string;
  gasMarginBps?: number | undefined;
  /**
   * What a call's gas depends on (ExecutorCodec.routeOf): the last estimate of the route, or else of a route of the
   * same shape, is re-checked with one eth_call instead of a new eth_estimateGas. Absent: every call is estimated.
   */
  routeOf?: ((data: string) => { route: string; shape: string }) | undefined;
}

export class CallGas {
  private readonly estimates = new GasEstimates();

  constructor(private readonly d: CallGasDeps) {}

  /** The gas the call needs at "latest" plus the margin; null when it cannot succeed. */
  async limitOf(data: string, checked?: GasCheck): Promise<bigint | null> {
    if (checked?.passed) return gasLimitFor(checked.gas, this.d.gasMarginBps);
    const key = this.d.routeOf?.(data);
    const known = checked || key === undefined ? undefined : this.known(key);
    if (known !== undefined && (await this.succeedsWith(data, known))) return gasLimitFor(known, this.d.gasMarginBps);
    const estimate = await this.estimateGas(data);
    if (estimate === null) return null;
    if (key !== undefined) {
      this.estimates.set(key.route, estimate);
      this.estimates.set(key.shape, estimate);
    }
    return gasLimitFor(estimate, this.d.gasMarginBps);
  }

  /**
   * The last estimate of the call's route (or shape), or else `budget`, with headroom: for the executor to simulate
   * with as its limit. Null when neither.
   */
  knownGas(data: string, budget: bigint | null = null): bigint | null {
    const key = this.d.routeOf?.(data);
    return (key && this.known(key)) ?? (budget === null ? null : gasLimitFor(budget, RECHECK_HEADROOM_BPS));
  }

  /** The last estimate of the route, or else of a route of the same shape, plus the re-check's headroom. */
  private known(key: { route: string; shape: string }): bigint | undefined {
    const estimate = this.estimates.get(key.route) ?? this.estimates.get(key.shape);
    return estimate === undefined ? undefined : gasLimitFor(estimate, RECHECK_HEADROOM_BPS);
  }

  private async estimateGas(data: string): Promise<bigint | null> {
    try {
      // At "latest", the state the simulation runs on: a node estimates at "pending" by default, where the
      // transactions waiting for the next block (other traders' swaps on the same pools) can already have taken the
      // profit, and the estimate would fail for a trade that is sound where it is priced.
      return BigInt(
        (await this.d.provider.send("eth_estimateGas", [
          { from: this.d.from, to: this.d.to, data },
          "latest",
        ])) as string,
      );
    } catch {
      return null;
    }
  }

  /** Whether the call succeeds at "latest" with `gas` as its transaction's gas limit. */
  async succeedsWith(data: string, gas: bigint): Promise<boolean> {
    try {
      await this.d.provider.send("eth_call", [
        { from: this.d.from, to: this.d.to, data, gas: toQuantity(gas) },
        "latest",
      ]);
      return true;
    } catch {
      return false;
    }
  }
}
