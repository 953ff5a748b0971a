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
  recordIntent(trade: LiveIntent, fence?: Fence): Promise<void>;
  /** pending -> sent. */
  markSent(id: string, txHash: string): Promise<void>;
  /**
   * pending|sent -> confirmed|reverted|dropped. `minedTxHash`: the version that was mined, when it is not the newest
   * (a replaced transaction that won after all); the row then points at it.
   */
  markFinal(id: string, outcome: FinalOutcome, minedTxHash?: string): Promise<void>;
  /**
   * A sent trade re-signed on its nonce with a higher fee: txHash becomes `newHash` and `oldHash` joins the replaced
   * ones. Durable before it returns: the caller broadcasts the replacement next. Only from `oldHash` and in flight.
   */
  markReplaced(id: string, oldHash: string, newHash: string): Promise<void>;
  /** Insert a `simulated` or `rejected` trade. */
  recordSimulated(trade: UnsentTrade): Promise<void>;
  /** Live trades of this account still `pending` or `sent`, lowest nonce first. */
  listInFlight(account: string): Promise<InFlightTrade[]>;
  /** Whether a trade exists for this opportunity (redelivered orders are skipped). */
  hasTradeFor(opportunityId: string): Promise<boolean>;
}
