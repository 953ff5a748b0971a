/**
 * What a stop signal means to a command that stops gracefully: the first one stops it, a later one quits at once.
 * One Ctrl-C can arrive twice: a terminal signals its whole foreground process group, and `npm start` (npm run-script)
 * forwards the same signal to its child, which then has both within milliseconds; `timeout` does the same. Counted
 * as two, that one Ctrl-C quit at once, with trades in flight and no summary. A person's second Ctrl-C is never that
 * quick, so a signal within SAME_INTERRUPT_MS of the one before is the same interrupt.
 */
export const SAME_INTERRUPT_MS = 500;

export type InterruptVerdict = "stop" | "same" | "quit";

/** Classifies each stop signal by when it came (`now()`, milliseconds). */
export function interrupts(now: () => number = () => performance.now()): () => InterruptVerdict {
  let last: number | null = null;
  return () => {
    const at = now();
    const previous = last;
    last = at;
    if (previous === null) return "stop";
    return at - previous < SAME_INTERRUPT_MS ? "same" : "quit";
  };
}

/**
 * Until the returned function is called, SIGINT and SIGTERM run `stop` on the first interrupt, pass over its copies,
 * and exit with 130 on a later one (the user insisting). Listening all along, so that no copy meets Node's default
 * handler, which would end the process in the middle of its graceful stop.
 */
export function onInterrupt(stop: () => void, now?: () => number): () => void {
  const interrupt = interrupts(now);
  const handler = () => {
    const verdict = interrupt();
    if (verdict === "stop") stop();
    else if (verdict === "quit") process.exit(130);
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}
