import type pg from "pg";

/**
 * Whether PostgreSQL answers, probed on an interval. The orchestrator places no new orders while it is unhealthy
 * (fail closed): an order whose trade could not be journaled must never reach the chain.
 */
export class StoreHealth {
  private ok = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<(healthy: boolean) => void>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly intervalMs = 500,
  ) {}

  get healthy(): boolean {
    return this.ok;
  }

  /** Probes once now, then keeps probing until stop(). */
  async start(): Promise<boolean> {
    await this.probe();
    this.timer = setInterval(() => void this.probe(), this.intervalMs);
    this.timer.unref();
    return this.ok;
  }

  onChange(listener: (healthy: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async probe(): Promise<boolean> {
    let ok: boolean;
    try {
      await this.pool.query("SELECT 1");
      ok = true;
    } catch {
      ok = false;
    }
    if (ok !== this.ok) {
      this.ok = ok;
      for (const l of this.listeners) l(ok);
    }
    return ok;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
