import type { ControlState, ControlStore } from "../control/index.ts";

/**
 * A read-mostly view of the control state for display (GET /mode/status): kept fresh by the store's pub/sub and
 * re-read at most once per `maxAgeMs` otherwise. Decisions (switches, pre-flight) always read the store itself.
 */
export class ControlView {
  private cached: { state: ControlState; at: number } | null = null;
  private pending: Promise<ControlState> | null = null;
  private stopWatching: (() => Promise<void>) | null = null;

  constructor(
    private readonly store: ControlStore,
    private readonly maxAgeMs = 1000,
  ) {}

  /** Subscribes to changes; without a subscription (bus down at start) the view still expires after maxAgeMs. */
  async start(): Promise<void> {
    try {
      this.stopWatching = await this.store.watch((state) => {
        this.cached = { state, at: Date.now() };
      });
    } catch {
      this.stopWatching = null;
    }
  }

  async stop(): Promise<void> {
    await this.stopWatching?.();
    this.stopWatching = null;
  }

  /** Drops the cached state, after this instance changed it. */
  invalidate(): void {
    this.cached = null;
  }

  /** The cached state while it is fresh (no store read, no promise), else undefined. */
  fresh(): ControlState | undefined {
    return this.cached && Date.now() - this.cached.at < this.maxAgeMs ? this.cached.state : undefined;
  }

  read(): Promise<ControlState> {
    const state = this.fresh();
    if (state !== undefined) return Promise.resolve(state);
    // One store read serves every concurrent request.
    this.pending ??= this.store
      .read()
      .then((state) => {
        this.cached = { state, at: Date.now() };
        return state;
      })
      .finally(() => {
        this.pending = null;
      });
    return this.pending;
  }
}
