/**
 * Nonces for one sending account. Each transaction goes in two steps, each in turn: `prepare` (take the nonce, sign,
 * journal the intent), one transaction at a time so that concurrent orders never share a nonce and no two journal
 * commits compete; then `send` (the broadcast), in nonce order. The next transaction prepares while the one before is
 * broadcast: a block's later orders no longer wait for each earlier one's broadcast before their journal write. A
 * transaction signed ahead, on a reserved nonce, is used only if that is the nonce it is given.
 *
 * A transaction that was not sent leaves a gap no later nonce can be mined across: the later ones, prepared already,
 * are abandoned (their route records them dropped) and nothing of them is broadcast. After any failure the next nonce
 * is derived again, once every broadcast before it has settled, from the chain's pending count and the journal's
 * in-flight rows, whichever is higher: a journaled but unbroadcast intent still holds its nonce until reconciliation
 * releases it.
 */
import type { JsonRpcApiProvider } from "ethers";
import { AlreadyJournaled, type TradeJournal } from "./ports.ts";

export interface NonceSteps<P, T> {
  /** Signs and journals the transaction on `nonce`. */
  prepare(nonce: number): Promise<P>;
  /** Broadcasts it: called once every earlier transaction was sent. */
  send(prepared: P, nonce: number): Promise<T>;
  /**
   * An earlier transaction was not sent (`cause`), so this one must not be: undo what `prepare` recorded and return
   * the error withNonce rejects with.
   */
  abandon(prepared: P, nonce: number, cause: unknown): Promise<Error>;
}

/** How the last broadcast ended: sent, or not (its nonce unused or unknown), and why. */
type Sent = { sent: true } | { sent: false; cause: unknown };
const SENT: Sent = { sent: true };

export class NonceManager {
  private next: number | null = null;
  /** The prepare steps, one at a time. */
  private preparing: Promise<unknown> = Promise.resolve();
  /** The last prepared transaction's broadcast, settled: the next one broadcasts after it. */
  private sending: Promise<Sent> = Promise.resolve(SENT);
  /** withNonce calls not prepared yet: each will take the next nonce in turn. */
  private queued = 0;
  /** Nonces reserved for transactions signed ahead whose orders have not entered withNonce yet. */
  private reserved = 0;

  constructor(
    private readonly provider: JsonRpcApiProvider,
    private readonly journal: TradeJournal,
    private readonly account: string,
  ) {}

  /** Takes the next nonce and runs the steps with it (see NonceSteps). The nonce counts as used only if sent. */
  withNonce<P, T>(steps: NonceSteps<P, T>): Promise<T> {
    this.queued++;
    const before = this.sending;
    // A nonce derived afresh is derived once every broadcast before has settled (an abandoned intent dropped): a gap
    // among them is counted already, and is nothing this call or the next must wait behind.
    let derived = false;
    const prepared = this.preparing.then(async () => {
      try {
        derived = this.next === null;
        if (derived) this.next = await before.then(() => this.derive());
        const nonce = this.next!;
        try {
          const value = await steps.prepare(nonce);
          this.next = nonce + 1;
          return { nonce, value };
        } catch (err) {
          // Refused at its intent (a redelivered order): nothing was written or sent, and the nonce is the next
          // order's. After any other failure, whether it was spent is unknown: derive it again.
          if (!(err instanceof AlreadyJournaled)) this.next = null;
          throw err;
        }
      } finally {
        // In the same turn as `next` moves, so that reserve() never counts a nonce twice.
        this.queued--;
      }
    });
    this.preparing = prepared.catch(() => undefined);
    const sent = prepared.then(({ nonce, value }) => this.send(steps, nonce, value, derived ? SENT : before));
    this.sending = prepared.then(
      () =>
        sent.then(
          (): Sent => SENT,
          (cause: unknown): Sent => ({ sent: false, cause }),
        ),
      // Not prepared: nothing of it to broadcast, and no nonce of it to leave a gap.
      () => (derived ? SENT : before),
    );
    return sent;
  }

  private async send<P, T>(
    steps: NonceSteps<P, T>,
    nonce: number,
    prepared: P,
    before: Sent | Promise<Sent>,
  ): Promise<T> {
    const earlier = await before;
    if (!earlier.sent) {
      this.next = null;
      throw await steps.abandon(prepared, nonce, earlier.cause);
    }
    try {
      return await steps.send(prepared, nonce);
    } catch (err) {
      this.next = null;
      throw err;
    }
  }

  /**
   * A nonce to sign a transaction ahead with: the one its withNonce will most likely get, each call not prepared yet
   * and each reservation made before it spending one. Released (at once, idempotent) when its order enters withNonce
   * or ends without sending; a reservation released early moves the later ones' nonces, which then sign again.
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
