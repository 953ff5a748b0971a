/**
 * One executor per signing key, across regions. Every executor of a key runs an ExecutorLease; the one whose renewals
 * succeed is the leader and consumes orders, the others stand by and take over once the leader's lease expires. The
 * store (PostgreSQL, the primary: apps/store/lease.ts) decides who holds it by its own clock, and gives each new
 * holder a larger fencing token.
 *
 * Locally the leader counts its lease as valid from the moment it SENT its last successful renewal, for the TTL less
 * a margin: the store's expiry is at least that late, so the leader stops before the store would let anyone else in.
 * A monotonic clock keeps running while a process is paused, so a leader that wakes from a pause sees it lost the lease.
 * What a pause between that local check and the write could still do, the journal's fence stops: an intent is written
 * only under the current token (PgTradeJournal.recordIntent), and nothing is broadcast without its intent.
 */
import type { Logger } from "pino";

/** The proof of leadership a live intent is journaled under. */
export interface Fence {
  holder: string;
  token: bigint;
}

export interface LeaseStore {
  /** Takes the lease when free or expired, or renews it for its holder; null while another holder's is unexpired. */
  acquire(account: string, holder: string, ttlMs: number): Promise<{ token: bigint } | null>;
  /** Ends the lease now (a graceful stop), so a standby takes over at its next attempt. */
  release(account: string, fence: Fence): Promise<void>;
}

/** The lease was lost (or never held) when a live intent was to be written or broadcast: nothing was sent. */
export class LeaseLost extends Error {
  override readonly name = "LeaseLost";
}

export interface ExecutorLeaseOptions {
  /** This instance, unique across regions and restarts (e.g. region, revision and a random suffix). */
  holder: string;
  /** How long a lease lasts without renewal; a standby takes over at most this long after a leader dies. Default 10 s. */
  ttlMs?: number;
  /** How often the holder renews and a standby tries. Default ttlMs / 5. */
  renewMs?: number;
  log?: Logger;
}

export class ExecutorLease {
  readonly holder: string;
  private readonly ttlMs: number;
  private readonly renewMs: number;
  private readonly marginMs: number;
  private fence: Fence | null = null;
  private validUntil = 0;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<(fence: Fence | null) => void>();

  constructor(
    private readonly store: LeaseStore,
    private readonly account: string,
    private readonly o: ExecutorLeaseOptions,
  ) {
    this.holder = o.holder;
    this.ttlMs = o.ttlMs ?? 10_000;
    this.renewMs = o.renewMs ?? Math.floor(this.ttlMs / 5);
    // Room for one slow renewal round trip and clock-rate differences between the store and this process.
    this.marginMs = Math.max(Math.floor(this.ttlMs / 10), this.renewMs);
    if (this.renewMs <= 0 || this.ttlMs - this.marginMs <= this.renewMs) {
      throw new Error(`lease: renewMs ${this.renewMs} must be positive and well below ttlMs ${this.ttlMs}`);
    }
  }

  /** The fence to send under, or null when this instance is not the leader now. */
  current(): Fence | null {
    return this.fence && performance.now() < this.validUntil ? this.fence : null;
  }

  /** Called with the new fence on becoming leader (or a new term), with null on losing the lease. */
  onChange(listener: (fence: Fence | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tries once now, then keeps renewing (or trying) every renewMs until stop(). */
  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.renewMs);
  }

  /** Stops renewing and, if leading, releases the lease so a standby takes over without waiting for the expiry. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
    const held = this.current();
    this.set(null, "released");
    if (held) {
      await this.store
        .release(this.account, held)
        .catch((err: unknown) => this.o.log?.warn({ err }, "lease not released: the standby waits for its expiry"));
    }
  }

  /** One renewal or attempt; ticks never overlap. */
  tick(): Promise<void> {
    this.ticking = this.ticking.then(async () => {
      if (this.fence && performance.now() >= this.validUntil) this.set(null);
      const sentAt = performance.now();
      try {
        const grant = await this.store.acquire(this.account, this.holder, this.ttlMs);
        if (!grant) return this.set(null);
        this.validUntil = sentAt + this.ttlMs - this.marginMs;
        if (this.fence?.token !== grant.token) this.set({ holder: this.holder, token: grant.token });
      } catch (err) {
        // The store is unreachable: a leader keeps its lease until validUntil, then stands down at the next tick.
        this.o.log?.warn({ err }, "lease store unreachable");
      }
    });
    return this.ticking;
  }

  /** `released`: this instance is stopping and gives the lease up (an info line, not the warning of a loss). */
  private set(fence: Fence | null, why: "lost" | "released" = "lost"): void {
    if (fence === null && this.fence === null) return;
    const previous = this.fence;
    this.fence = fence;
    if (fence) {
      this.o.log?.info({ holder: this.holder, token: fence.token.toString() }, "signing lease acquired");
    } else if (why === "released") {
      this.o.log?.info({ holder: this.holder, token: previous?.token.toString() }, "signing lease released");
    } else {
      this.o.log?.warn({ holder: this.holder, token: previous?.token.toString() }, "signing lease lost");
    }
    for (const l of this.listeners) l(fence);
  }
}
