/**
 * Trades whose transaction or user operation nothing can include (never sent, refused where it was sent, or a bundle
 * for a block already built) and whose row a failed journal write may have left in flight: the intent's own write
 * (committed or not), or the drop mark after the refusal. Left to their deadline, such rows kept live orders waiting,
 * and an EOA row held its nonce, so the next transaction went out a nonce beyond it and waited behind the gap. A
 * route's resolve() declares them dropped at once.
 */
import { AlreadyJournaled, UnrecordedOrder } from "../ports.ts";

export class UnminableTrades {
  private readonly ids = new Set<string>();

  /**
   * Makes a journal write for trade `id` while nothing can include it. If the write fails (other than refusing a
   * second delivery of the order, or an order without its record: those write nothing), the trade is remembered.
   */
  async write(id: string, journalWrite: () => Promise<void>): Promise<void> {
    try {
      await journalWrite();
    } catch (err) {
      if (!(err instanceof AlreadyJournaled) && !(err instanceof UnrecordedOrder)) this.ids.add(id);
      throw err;
    }
  }

  /** Whether trade `id` is one of them; it is forgotten once asked about, as its row is then resolved. */
  take(id: string): boolean {
    return this.ids.delete(id);
  }
}
