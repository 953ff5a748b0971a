/**
 * The persistence the executor needs (a TradeJournal). It is implemented in PostgreSQL by apps/store; the executor only
 * sees this interface. The trade shapes it speaks in are the shared wire types of apps/domain.
 */
import type {
  ExecutionRouteKind,
  FinalOutcome,
  FlashSource,
  InFlightTrade,
  LiveIntent,
  SettledStatus,
  TradeVerdict,
  UnsentTrade,
} from "../domain/index.ts";
import type { Fence } from "./lease.ts";

/**
 * The journal refused a trade because the order it executes has no decision record (lost in a crash after its message
 * was published): nothing can be written for it, so it must not be sent.
 */
export class UnrecordedOrder extends Error {
  override readonly name = "UnrecordedOrder";
}

export interface TradeJournal {
  /**
   * Insert a live trade with status `pending`. Must be durable before it returns: the caller broadcasts next. With a
   * fence, only while that fence is the account's current lease (else LeaseLost, nothing written). An order without
   * its decision record: UnrecordedOrder, nothing written (also for recordSimulated).
   */
  recordIntent(trade: LiveIntent, fence?: Fence, leaseAccount?: string): Promise<void>;
  /** pending -> sent (txHash null: not known yet, an ERC-4337 operation handed to the bundler). */
  markSent(id: string, txHash: string | null): Promise<void>;
  /**
   * pending|sent -> confirmed|reverted|dropped. An outcome naming a transaction (`txHash`) points the row at it; a
   * replaced version that was mined after all swaps places with the newest in the replaced list.
   */
  markFinal(id: string, outcome: FinalOutcome): Promise<void>;
  /**
   * A sent EOA trade re-signed on its nonce with a higher fee: txHash becomes `newHash` and `oldHash` joins the
   * replaced ones. Durable before it returns: the caller broadcasts the replacement next. Only from `oldHash`, in flight.
   */
  markReplaced(id: string, oldHash: string, newHash: string): Promise<void>;
  /**
   * Insert a `simulated` or `rejected` trade. This and recordIntent throw AlreadyJournaled, writing nothing, when the
   * opportunity has a trade already: the journal's unique opportunity is the executor's duplicate check.
   */
  recordSimulated(trade: UnsentTrade): Promise<void>;
  /** Live trades of this account still `pending` or `sent`, lowest nonce first. */
  listInFlight(account: string): Promise<InFlightTrade[]>;
  /** This opportunity's trade as journaled (null: none), for a redelivered order whose outcome may be unpublished. */
  tradeFor(opportunityId: string): Promise<JournaledTrade | null>;
}

/**
 * The opportunity has a trade in the journal already: its order was delivered before (the bus hands an order again
 * when a handling failed), or a second delivery is in hand beside the first. Nothing was written, so nothing of this
 * delivery may leave: no broadcast, and (EOA) its nonce is still free.
 */
export class AlreadyJournaled extends Error {
  override readonly name = "AlreadyJournaled";
}

/** A journaled trade as a redelivery finds it: still in flight (to be followed) or settled (its outcome known). */
export type JournaledTrade = { settled: false; trade: InFlightTrade } | { settled: true; trade: SettledTrade };

/** What a settled row records of its outcome. */
export interface SettledTrade {
  id: string;
  status: SettledStatus;
  /** The route the trade went (or would have gone) by. */
  route: ExecutionRouteKind;
  /** Where its capital came from (or would have); null when no source could lend it. */
  flashSource: FlashSource | null;
  txHash: string | null;
  /** ERC-4337 route: the user operation's hash; null otherwise. */
  userOpHash: string | null;
  nonce: number | null;
  /** Sim/rejected: the block simulated at. Live: the block mined in (null when dropped). */
  blockNumber: number | null;
  simulatedProfit: bigint | null;
  realizedProfit: bigint | null;
  gasUsed: bigint | null;
  /** Gas paid in native wei (the sponsor's actualGasCost on ERC-4337); null unless mined. */
  gasCostWei: bigint | null;
  precededBy: number | null;
  reason: string | null;
  verdict: TradeVerdict | null;
}
