/**
 * The persistence the executor needs (a TradeJournal). It is implemented in PostgreSQL by apps/store; the executor only
 * sees this interface. The trade shapes it speaks in are the shared wire types of apps/domain.
 */
import type { FinalOutcome, InFlightTrade, LiveIntent, UnsentTrade } from "../domain/index.ts";
import type { Fence } from "./lease.ts";

export interface TradeJournal {
  /**
   * Insert a live trade with status `pending`. Must be durable before it returns: the caller broadcasts next. With a
   * fence, only while that fence is the account's current lease (else LeaseLost, nothing written).
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
  /** Insert a `simulated` or `rejected` trade. */
  recordSimulated(trade: UnsentTrade): Promise<void>;
  /** Live trades of this account still `pending` or `sent`, lowest nonce first. */
  listInFlight(account: string): Promise<InFlightTrade[]>;
  /** Whether a trade exists for this opportunity (redelivered orders are skipped). */
  hasTradeFor(opportunityId: string): Promise<boolean>;
}
