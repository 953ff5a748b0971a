import type pg from "pg";
import { chainHead, signAnchor, type AnchorDirectory, type AnchorKey } from "./anchors.ts";

export const ANCHOR_INTERVAL_MS = 60_000;

/**
 * Anchors the chain on a timer while it grows: every interval, if the head moved since the last anchor, the new
 * head is signed and written. stop() writes a last one, so a clean shutdown leaves no unanchored tail.
 */
export class PeriodicAnchorer {
  private timer: NodeJS.Timeout | null = null;
  private lastSeq = 0;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly pool: pg.Pool,
    private readonly key: AnchorKey,
    private readonly dir: AnchorDirectory,
    private readonly clock: () => Date = () => new Date(),
    private readonly intervalMs = ANCHOR_INTERVAL_MS,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** Writes an anchor when the head moved since the last one. */
  tick(): Promise<void> {
    // One tick at a time: a slow disk or database must not stack writes.
    this.running = this.running.then(async () => {
      try {
        const head = await chainHead(this.pool);
        if (!head || head.seq === this.lastSeq) return;
        await this.dir.write(signAnchor(this.key, head, this.clock()));
        this.lastSeq = head.seq;
      } catch (err) {
        this.onError(err);
      }
    });
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.tick();
  }
}
