import type { Logger } from "pino";

/** Thrown when waiting is abandoned because the process is stopping. */
export class Stopped extends Error {
  override readonly name = "Stopped";
}

export interface WaitOptions {
  log: Logger;
  signal: AbortSignal;
  /** What the wait is for, as the log line and /readyz say it ("PostgreSQL at db:5432"). */
  what: string;
  /** Called with the reason on every failed attempt, and with null once it succeeded. */
  onWaiting?: (reason: string | null) => void;
  initialMs?: number;
  maxMs?: number;
}

/**
 * Runs `attempt` until it succeeds, doubling the pause between tries up to `maxMs` (a dependency that is down at
 * start must not be hammered, nor the process crash-loop). Each failure logs one line saying what it waits for.
 */
export async function withBackoff<T>(attempt: () => Promise<T>, o: WaitOptions): Promise<T> {
  let pause = o.initialMs ?? 250;
  for (let tries = 1; ; tries++) {
    if (o.signal.aborted) throw new Stopped(`stopped while waiting for ${o.what}`);
    try {
      const value = await attempt();
      o.onWaiting?.(null);
      if (tries > 1) o.log.info({ tries }, `${o.what} is reachable`);
      return value;
    } catch (err) {
      const reason = err instanceof Error ? err.message.split("\n")[0] : String(err);
      o.onWaiting?.(reason ?? "unreachable");
      o.log.warn({ tries, retryInMs: pause }, `waiting for ${o.what}: ${reason}`);
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, pause);
      o.signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
    });
    pause = Math.min(pause * 2, o.maxMs ?? 10_000);
  }
}
