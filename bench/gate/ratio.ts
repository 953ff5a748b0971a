/**
 * Timing two pieces of work against each other in one process: rounds alternate between them, so a burst of load
 * from another process lands on both sides, and the medians drop the rounds a burst spoiled anyway. Time is this
 * process's CPU time by default: on a shared machine wall time also counts the waits for a core, which say nothing
 * about the code.
 */
export interface RatioSample {
  /** Median time of `work`, ms. */
  workMs: number;
  /** Median time of `reference`, ms. */
  referenceMs: number;
  /** workMs / referenceMs: machine-independent as long as both run on the same core under the same load. */
  ratio: number;
}

export function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Result sinks, read after timing so neither function's result can be optimised away. */
let sink = 0;

/** CPU time of this process (user + system, all threads, so V8's GC helpers too) in ms. */
export function cpuClock(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** `warmup` leading rounds are run and dropped: the first calls of a function run before the JIT has optimised it. */
export function timeAgainst(
  work: () => unknown,
  reference: () => unknown,
  rounds: number,
  { warmup = 3, clock = cpuClock }: { warmup?: number; clock?: () => number } = {},
): RatioSample {
  const workTimes: number[] = [];
  const referenceTimes: number[] = [];
  for (let i = -warmup; i < rounds; i++) {
    let started = clock();
    sink ^= Number(Boolean(reference()));
    const referenceMs = clock() - started;
    started = clock();
    sink ^= Number(Boolean(work()));
    const workMs = clock() - started;
    if (i < 0) continue;
    referenceTimes.push(referenceMs);
    workTimes.push(workMs);
  }
  if (sink > 1) throw new Error("unreachable: the sink only holds 0 or 1");
  const workMs = median(workTimes);
  const referenceMs = median(referenceTimes);
  return { workMs, referenceMs, ratio: workMs / referenceMs };
}
