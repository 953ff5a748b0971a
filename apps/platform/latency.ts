/** Latency samples per stage, in ms, reduced to nearest-rank percentiles for the session report. */
export class LatencyRecorder {
  private readonly samples = new Map<string, number[]>();

  add(stage: string, ms: number): void {
    let list = this.samples.get(stage);
    if (!list) this.samples.set(stage, (list = []));
    list.push(ms);
  }

  count(stage: string): number {
    return this.samples.get(stage)?.length ?? 0;
  }

  all(): Record<string, { p50: number; p99: number; n: number }> {
    return Object.fromEntries([...this.samples.keys()].map((k) => [k, { ...this.summary(k), n: this.count(k) }]));
  }

  /** p50 and p99 of a stage (0 when it has no samples), rounded to microseconds. */
  summary(stage: string): { p50: number; p99: number } {
    const sorted = [...(this.samples.get(stage) ?? [])].sort((a, b) => a - b);
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  }
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return Math.round(sorted[rank - 1]! * 1000) / 1000;
}
