import type { RevocationFeed, RevocationTarget, SessionStore } from "../identity/index.ts";

/**
 * Which sessions are still alive, remembered for `ttlMs` after the session store last confirmed them, so an
 * authenticated request usually needs no round trip. Revocations are applied locally at once and published to every
 * other API instance (the state's revocation feed); a lost message is bounded by the TTL.
 */
export class SessionCache {
  private readonly alive = new Map<string, { at: number; userId: string }>();
  private unsubscribe: (() => Promise<void>) | null = null;

  constructor(
    private readonly sessions: SessionStore,
    private readonly feed: RevocationFeed,
    private readonly ttlMs = 1000,
  ) {}

  async start(): Promise<void> {
    try {
      this.unsubscribe = await this.feed.subscribe((target) => this.forget(target));
    } catch {
      // Without the subscription, other instances' revocations still take effect within the TTL.
      this.unsubscribe = null;
    }
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Whether the session store confirmed the session within the TTL (answered without waiting). */
  seenAlive(sessionId: string): boolean {
    const hit = this.alive.get(sessionId);
    return hit !== undefined && Date.now() - hit.at < this.ttlMs;
  }

  async isActive(sessionId: string, userId: string): Promise<boolean> {
    if (this.seenAlive(sessionId)) return true;
    const now = Date.now();
    const exists = await this.sessions.isActive(sessionId);
    if (exists) this.alive.set(sessionId, { at: now, userId });
    else this.alive.delete(sessionId);
    return exists;
  }

  /** After revoking in the session store. */
  async revoked(target: RevocationTarget): Promise<void> {
    this.forget(target);
    await this.feed.publish(target);
  }

  private forget(target: string): void {
    if (target === "*") {
      this.alive.clear();
    } else if (target.startsWith("session:")) {
      this.alive.delete(target.slice(8));
    } else if (target.startsWith("user:")) {
      const userId = target.slice(5);
      for (const [sid, s] of this.alive) if (s.userId === userId) this.alive.delete(sid);
    }
  }
}
