/**
 * The performance gate's verdict: measured ratios against the committed baseline (bench/gate/baseline.json).
 * Only ratios taken within one process or one run gate (both sides share the machine's load at that moment);
 * absolute figures travel beside them for the table and never decide anything.
 */
import { z } from "zod";

/** Which way a ratio gets worse: "lower" means a rise beyond the tolerance is a regression. */
export type Better = "lower" | "higher";

export const baselineSchema = z
  .object({
    /** Why the figures are what they are: machine, load average, date. Read by people, not by the gate. */
    note: z.string(),
    metrics: z.record(
      z.string(),
      z
        .object({
          value: z.number().positive(),
          better: z.enum(["lower", "higher"]),
          /** Allowed relative change in the bad direction, e.g. 0.3 = 30% worse than the baseline still passes. */
          tolerance: z.number().positive().max(10),
          description: z.string(),
          /** When and at what load average this value was taken (written by --update-baseline). */
          measured: z.string().optional(),
        })
        .strict(),
    ),
  })
  .strict();
export type Baseline = z.infer<typeof baselineSchema>;

/** One gated ratio as a gate process prints it, with the absolute figures it came from. */
export interface Measurement {
  metric: string;
  value: number;
  /** Absolute figures (ms, req/s, load average): printed, never gated. */
  absolute: Record<string, number | string>;
}

export interface Verdict {
  metric: string;
  baseline: number | null;
  measured: number | null;
  /** Relative change in the bad direction (0.1 = 10% worse); negative when better. */
  worse: number | null;
  tolerance: number | null;
  ok: boolean;
  reason: string;
  absolute: Record<string, number | string>;
}

/**
 * One measurement per metric from several runs of a gate (each a fresh process): the run whose value is the median,
 * its absolute figures with it, plus every run's value under `runs`. For an even count the worse of the two middle
 * runs, so the gate never judges a figure better than one it measured.
 */
export function medianRuns(
  runs: readonly (readonly Measurement[])[],
  better: (metric: string) => Better,
): Measurement[] {
  const byMetric = new Map<string, Measurement[]>();
  for (const run of runs)
    for (const m of run) {
      const list = byMetric.get(m.metric);
      if (list === undefined) byMetric.set(m.metric, [m]);
      else list.push(m);
    }
  return [...byMetric.entries()].map(([metric, list]) => {
    if (list.length === 1) return list[0]!;
    // Worst first: the middle element is then the median, and for an even count the worse of the two middle ones.
    const sign = better(metric) === "lower" ? -1 : 1;
    const sorted = [...list].sort((a, b) => sign * (a.value - b.value));
    const middle = sorted[(sorted.length - 1) >> 1]!;
    return { ...middle, absolute: { ...middle.absolute, runs: list.map((m) => round(m.value)).join("/") } };
  });
}

/** Limit a measurement may reach before it counts as a regression. */
export function limitOf(entry: Baseline["metrics"][string]): number {
  return entry.better === "lower" ? entry.value * (1 + entry.tolerance) : entry.value / (1 + entry.tolerance);
}

/**
 * Every baseline metric must be measured and within tolerance; a measured metric the baseline lacks fails too, so a
 * new benchmark cannot slip in ungated.
 */
export function compare(baseline: Baseline, measured: readonly Measurement[]): Verdict[] {
  const byMetric = new Map(measured.map((m) => [m.metric, m]));
  const verdicts: Verdict[] = [];
  for (const [metric, entry] of Object.entries(baseline.metrics)) {
    const m = byMetric.get(metric);
    if (m === undefined || !Number.isFinite(m.value) || m.value <= 0) {
      verdicts.push({
        metric,
        baseline: entry.value,
        measured: m?.value ?? null,
        worse: null,
        tolerance: entry.tolerance,
        ok: false,
        reason: m === undefined ? "not measured" : `not a positive number (${m.value})`,
        absolute: m?.absolute ?? {},
      });
      continue;
    }
    const worse = entry.better === "lower" ? m.value / entry.value - 1 : entry.value / m.value - 1;
    const ok = entry.better === "lower" ? m.value <= limitOf(entry) : m.value >= limitOf(entry);
    verdicts.push({
      metric,
      baseline: entry.value,
      measured: m.value,
      worse,
      tolerance: entry.tolerance,
      ok,
      reason: ok ? "ok" : `REGRESSION: ${entry.better} is better, limit ${round(limitOf(entry))}`,
      absolute: m.absolute,
    });
  }
  for (const m of measured) {
    if (baseline.metrics[m.metric] !== undefined) continue;
    verdicts.push({
      metric: m.metric,
      baseline: null,
      measured: m.value,
      worse: null,
      tolerance: null,
      ok: false,
      reason: "no baseline (add it with --update-baseline)",
      absolute: m.absolute,
    });
  }
  return verdicts;
}

/** The table the gate prints, pass or fail: one row per ratio, its absolute figures beside it. */
export function formatTable(verdicts: readonly Verdict[]): string {
  const header = ["metric", "baseline", "measured", "change", "tolerance", "verdict", "absolute (not gated)"];
  const rows = verdicts.map((v) => [
    v.metric,
    v.baseline === null ? "-" : String(round(v.baseline)),
    v.measured === null ? "-" : String(round(v.measured)),
    v.worse === null ? "-" : `${Math.abs(v.worse * 100).toFixed(1)}% ${v.worse > 0 ? "worse" : "better"}`,
    v.tolerance === null ? "-" : `${Math.round(v.tolerance * 100)}%`,
    v.reason,
    Object.entries(v.absolute)
      .map(([k, x]) => `${k}=${typeof x === "number" ? round(x) : x}`)
      .join(" "),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** A new baseline from this run's measurements, keeping each metric's direction, tolerance and description. */
/**
 * The baseline with the measured ratios as its new values, each stamped with `when` (date and load average). A full
 * update (`only` null) also takes `when` as the file's note; one limited to some gates keeps every other metric and the
 * note as they were, so re-measuring the scan on a busy machine leaves the API and pipeline baselines alone.
 */
export function updatedBaseline(
  previous: Baseline,
  measured: readonly Measurement[],
  when: string,
  only: readonly string[] | null,
): Baseline {
  const metrics: Baseline["metrics"] = only === null ? {} : { ...previous.metrics };
  for (const m of measured) {
    const old = previous.metrics[m.metric];
    if (old === undefined) throw new Error(`${m.metric}: not in the baseline; add its direction and tolerance first`);
    metrics[m.metric] = { ...old, value: round(m.value), measured: when };
  }
  return { note: only === null ? when : previous.note, metrics };
}

function round(x: number): number {
  return Number(x.toPrecision(4));
}
