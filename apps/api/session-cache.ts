import type { Redis } from "ioredis";

/**
 * Which sessions are still alive, remembered for `ttlMs` after Redis last confirmed them, so an authenticated
 * request usually needs no round trip. Revocations are applied locally at once and published to every other API
 * instance (Redis pub/sub); a lost message is bounded by the TTL.
 */
export class SessionCache {
  private readonly alive = new Map<string, { at: number; userId: string }>();
  private subscriber: Redis | null = null;
  private readonly channel: string;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs = 1000,
  ) {
    this.channel = `${prefix}sessions:revoked`;
  }

  async start(): Promise<void> {
    const sub = this.redis.duplicate({ enableAutoPipelining: false });
    sub.on("error", () => undefined);
    sub.on("message", (_channel: string, message: string) => this.forget(message));
    try {
      await sub.subscribe(this.channel);
      this.subscriber = sub;
    } catch {
      // Without the subscription, other instances' revocations still take effect within the TTL.
      sub.disconnect();
    }
  }

  stop(): void {
    this.subscriber?.disconnect();
    this.subscriber = null;
  }

  async isActive(sessionId: string, userId: string): Promise<boolean> {
    const now = Date.now();
    const hit = this.alive.get(sessionId);
    if (hit && now - hit.at < this.ttlMs) return true;
    const exists = (await this.redis.exists(`${this.prefix}sess:${sessionId}`)) === 1;
    if (exists) this.alive.set(sessionId, { at: now, userId });
    else this.alive.delete(sessionId);
    return exists;
  }

  /** After revoking in Redis: `session:<id>`, `user:<id>` (all of a user's sessions) or `*` (everyone). */
  async revoked(target: `session:${string}` | `user:${string}` | "*"): Promise<void> {
    this.forget(target);
    await this.redis.publish(this.channel, target);
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
