/**
 * Nonces for one sending account. Taking a nonce, signing, journaling and broadcasting run under one lock, so
 * concurrent orders never share a nonce. After a restart, or after any failure inside the lock, the next nonce is
 * re-derived from the chain's pending count and the journal's in-flight rows, whichever is higher: a journaled but
 * unbroadcast intent still holds its nonce until reconciliation releases it.
 */
import type { JsonRpcApiProvider } from "ethers";
import type { TradeJournal } from "./ports.ts";

export class NonceManager {
  private next: number | null = null;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly provider: JsonRpcApiProvider,
    private readonly journal: TradeJournal,
    private readonly account: string,
  ) {}

  /** Runs fn with the next nonce, exclusively. The nonce counts as used only if fn resolves. */
  withNonce<T>(fn: (nonce: number) => Promise<T>): Promise<T> {
    const run = this.tail.then(async () => {
      const nonce = this.next ?? (await this.derive());
      try {
        const result = await fn(nonce);
        this.next = nonce + 1;
        return result;
      } catch (err) {
        // Whether the nonce was spent is unknown here: ask the chain and the journal next time.
        this.next = null;
        throw err;
      }
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Forget the cached nonce (after reconciliation released journaled nonces). */
  reset(): void {
    this.next = null;
  }

  private async derive(): Promise<number> {
    const [pending, inFlight] = await Promise.all([
      this.provider.getTransactionCount(this.account, "pending"),
      this.journal.listInFlight(this.account),
    ]);
    return Math.max(pending, ...inFlight.map((t) => t.nonce + 1));
  }
}
