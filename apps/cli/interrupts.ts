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
