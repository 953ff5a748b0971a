/**
 * Nonces for one sending account. Taking a nonce, signing, journaling and broadcasting run under one lock, so
 * concurrent orders never share a nonce (a transaction signed ahead, on a reserved nonce, is used in the lock only if
 * that is the nonce the lock gives). After a restart, or after any failure inside the lock, the next nonce is
 * re-derived from the chain's pending count and the journal's in-flight rows, whichever is higher: a journaled but
 * unbroadcast intent still holds its nonce until reconciliation releases it.
 */
import type { JsonRpcApiProvider } from "ethers";
import { AlreadyJournaled, type TradeJournal } from "./ports.ts";

export class NonceManager {
  private next: number | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  /** withNonce runs queued or running: each takes the next nonce in turn. */
  private queued = 0;
  /** Nonces reserved for transactions signed ahead whose orders have not entered withNonce yet. */
  private reserved = 0;

  constructor(
    private readonly provider: JsonRpcApiProvider,
    private readonly journal: TradeJournal,
    private readonly account: string,
  ) {}

  /** Runs fn with the next nonce, exclusively. The nonce counts as used only if fn resolves. */
  withNonce<T>(fn: (nonce: number) => Promise<T>): Promise<T> {
    this.queued++;
    const run = this.tail.then(async () => {
      try {
        const nonce = this.next ?? (await this.derive());
        try {
          const result = await fn(nonce);
          this.next = nonce + 1;
          return result;
        } catch (err) {
          // A redelivered order refused at its intent wrote nothing and sent nothing: the nonce is the next order's.
          // After any other failure, whether the nonce was spent is unknown: ask the chain and the journal next time.
          this.next = err instanceof AlreadyJournaled ? nonce : null;
          throw err;
        }
      } finally {
        // In the same turn as `next` moves, so that reserve() never counts a finished run.
        this.queued--;
      }
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * A nonce to sign a transaction ahead with: the one its withNonce will most likely get, each run queued and each
   * reservation made before it spending one. Released (at once, idempotent) when its order enters withNonce or ends
   * without sending; a reservation released early moves the later ones' nonces, which then sign again in the lock.
   * Null when the next nonce is not known without asking the chain.
   */
  reserve(): { nonce: number; release: () => void } | null {
    if (this.next === null) return null;
    const nonce = this.next + this.queued + this.reserved;
    this.reserved++;
    let held = true;
    return {
      nonce,
      release: () => {
        if (!held) return;
        held = false;
        this.reserved--;
      },
    };
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
