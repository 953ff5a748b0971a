import type { Opportunity } from "./opportunity.ts";

interface Entry {
  cycle: number;
  group: number;
  opportunity: Opportunity;
}

/**
 * The current opportunity set, kept sorted per base token (profit desc, then cycle id for a stable order) so that a
 * block that changes a few cycles costs a few binary searches instead of a re-sort.
 */
export class OpportunityBook {
  private readonly groups: Entry[][];
  private readonly byCycle = new Map<number, Entry>();
  /** One byte per cycle, so the common question "is this cycle listed?" needs no map lookup. */
  private readonly listed: Uint8Array;

  constructor(groupCount: number, cycleCount: number) {
    this.groups = Array.from({ length: groupCount }, () => []);
    this.listed = new Uint8Array(cycleCount);
  }

  has(cycle: number): boolean {
    return this.listed[cycle] === 1;
  }

  get size(): number {
    return this.byCycle.size;
  }

  /** Replaces everything at once (a full scan): one sort per group instead of one insertion per cycle. */
  reset(entries: Iterable<Entry>): void {
    this.byCycle.clear();
    this.listed.fill(0);
    for (const group of this.groups) group.length = 0;
    for (const entry of entries) {
      this.byCycle.set(entry.cycle, entry);
      this.listed[entry.cycle] = 1;
      this.groups[entry.group]!.push(entry);
    }
    for (const group of this.groups) group.sort(compareEntries);
  }

  /** Sets or clears the opportunity of one cycle. */
  set(cycle: number, group: number, opportunity: Opportunity | null): void {
    if (this.listed[cycle] === 1) {
      const previous = this.byCycle.get(cycle)!;
      const list = this.groups[previous.group]!;
      list.splice(position(list, previous), 1);
      this.byCycle.delete(cycle);
      this.listed[cycle] = 0;
    }
    if (opportunity === null) return;
    const entry = { cycle, group, opportunity };
    const list = this.groups[group]!;
    list.splice(position(list, entry), 0, entry);
    this.byCycle.set(cycle, entry);
    this.listed[cycle] = 1;
  }

  get(cycle: number): Opportunity | undefined {
    return this.byCycle.get(cycle)?.opportunity;
  }

  /** All opportunities: grouped by base token in group order, each group by profit, highest first. */
  list(): Opportunity[] {
    const result: Opportunity[] = [];
    for (const group of this.groups) for (const entry of group) result.push(entry.opportunity);
    return result;
  }
}

function compareEntries(x: Entry, y: Entry): number {
  const a = x.opportunity.profit;
  const b = y.opportunity.profit;
  if (a !== b) return a > b ? -1 : 1;
  return x.cycle - y.cycle;
}

/** Index of the first entry not ordered before `entry` (its slot, or where it sits). */
function position(list: readonly Entry[], entry: Entry): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareEntries(list[mid]!, entry) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
