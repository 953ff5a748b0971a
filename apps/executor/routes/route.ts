/**
 * The execution route port: how a simulated, approved live trade reaches the chain and how its outcome is read back.
 * The executor decides what to send (simulation, mode, lease, reconciliation, fallback); a route only knows its own
 * way of sending (an EOA transaction, an ERC-4337 user operation) and of resolving what it sent. A new way to submit
 * is a new file here, not a branch in the executor.
 */
import type {
  ExecutionRouteKind,
  FinalOutcome,
  FlashSource,
  InFlightTrade,
  LiveIntent,
  Order,
} from "../../domain/index.ts";
import type { Fence } from "../lease.ts";

/** A trade's deadlines, in its calldata and its journal row (see deadline.ts). */
export interface Deadlines {
  deadlineBlock: number | null;
  deadlineAt: number | null;
}

/** What the executor hands a route once every gate has passed. */
export interface SendRequest {
  id: string;
  order: Order;
  /** Where the trade's capital comes from, as encoded in `data`. */
  flashSource: FlashSource;
  data: string;
  deadlines: Deadlines;
  /** The block the simulation ran at (a sent EOA trade counts as stuck from here), and its base fee. */
  blockNumber: number;
  baseFee: bigint;
  /** The simulated profit, in the order's base token (what a profit-share bid is a share of). */
  profit: bigint;
  /** performance.now() stamps; the route sets sentAt at the hand-over to the chain or the bundler. */
  timings: { receivedAt: number; simulatedAt: number | null; sentAt: number | null };
  fence: Fence | null;
  /** What this route's signAhead() gave for the trade while it was simulated (absent: nothing signed ahead). */
  ahead?: Promise<SignedAhead | null>;
}

/**
 * A transaction signed while the trade was simulated (ExecutionRoute.signAhead), held in memory only: it leaves the
 * process only through send(), after every gate and its journaled intent, and only if it is exactly the transaction
 * send() would sign then (`key`: its chain, nonce, gas, fees and call); else send() signs afresh.
 */
export interface SignedAhead {
  key: string;
  raw: string;
  /** The order will not be sent, or is being sent: whatever was held for the signature (the nonce) is given back. */
  release(): void;
}

/**
 * The executor's simulation, run with a gas limit the route knew for the call (ExecutionRoute.knownGas): whether the
 * call succeeded at "latest" with that much gas.
 */
export interface GasCheck {
  gas: bigint;
  passed: boolean;
}

/** A trade journaled and handed to the chain (or the bundler); its outcome is still to come. */
export interface SentTrade {
  intent: LiveIntent;
}

/** What a route's preparation found, run beside the simulation: ready to send, or refused with the reason. */
export type Prepared =
  | {
      ok: true;
      /**
       * The most the trade's gas can cost in native wei when someone other than the trade pays it (the ERC-4337
       * sponsor); the executor sends only if the simulated profit covers it. Null: covered by the order's minProfit.
       */
      maxGasCostWei: bigint | null;
      /** Journals the intent (durable first), then submits it. Sends at most once. */
      send(req: SendRequest): Promise<SentTrade>;
    }
  | { ok: false; reason: string };

export interface ExecutionRoute {
  readonly kind: ExecutionRouteKind;
  /** The account the contract sees as sender (and the journal's account): simulations run from it. */
  readonly account: string;
  /** The ArbExecutor this route calls; the route's account owns it. */
  readonly contract: string;
  /** Whether a signing key is loaded (live only). */
  readonly canSign: boolean;
  /**
   * Live only, beside the simulation: the route's own checks and gas (EOA: eth_estimateGas; ERC-4337: the bundler's
   * gas estimation, the sponsorship and the owner's signature). Throws RouteUnavailable when the route cannot be used
   * right now (the bundler is down or slower than its bound): nothing was journaled or sent. `checked`: the
   * simulation already ran with the gas knownGas() gave (passed: no gas to find; failed: estimate afresh).
   */
  prepare(order: Order, data: string, deadlines: Deadlines, checked?: GasCheck): Promise<Prepared>;
  /**
   * Live: gas the call is known to have needed (an earlier estimate), or else, where the route takes it, `budget`
   * (the gas the order was costed with: gasBudget()); null when neither. The executor runs its simulation with that
   * gas limit, so that one execution on the node is both the simulation and the gas check. Absent: none known.
   */
  knownGas?(data: string, budget?: bigint | null): bigint | null;
  /**
   * Live, beside the simulation run with `gas` (knownGas()): signs the transaction the trade would be sent as, with
   * the nonce it would likely get and fees on `baseFee` (the order block's), so that signing is off the broadcast
   * path. Null when the route cannot tell that transaction ahead. Absent: the route signs in send() only. The caller
   * releases what it gave once the order is done, sent or not.
   */
  signAhead?(data: string, gas: bigint, baseFee: bigint): Promise<SignedAhead | null>;
  /** While following a sent trade: a cheap look for its inclusion; null while not (yet) seen. */
  poll(trade: InFlightTrade): Promise<FinalOutcome | null>;
  /** The full verdict from the chain (included, dropped, or null while undecided); sends nothing. */
  resolve(trade: InFlightTrade): Promise<FinalOutcome | null>;
  /**
   * Called while following a trade this instance sent, after a full look left it undecided: a route that can speed
   * a stuck trade up (the EOA: a fee-bumped replacement on its nonce) does so and returns the trade as it now stands.
   */
  unstick?(trade: InFlightTrade): Promise<InFlightTrade>;
  /**
   * Before the first order: whatever the route can learn ahead that does not depend on the trade, given the lengths
   * (0x-prefixed hex) its calls can have (ERC-4337: the operation's overheads). Absent: nothing to learn.
   */
  warm?(callLengths: readonly number[]): Promise<void>;
  /** In-flight rows were settled or a new lease term began: forget whatever was derived from them (EOA: the nonce). */
  reset(): void;
}

/** The route cannot be used now, and nothing of the trade was journaled or sent: the order may go another way. */
export class RouteUnavailable extends Error {
  override readonly name = "RouteUnavailable";
}

export function dropped(): FinalOutcome {
  return {
    status: "dropped",
    realizedProfit: null,
    gasUsed: null,
    effectiveGasPrice: null,
    l1FeeWei: null,
    precededBy: null,
    blockNumber: null,
  };
}
