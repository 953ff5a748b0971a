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

  /**
   * Sets or clears the opportunity of one cycle. A re-sized cycle usually keeps its place or moves a few places (its
   * profit changed a little), so it is moved there by shifting only the entries in between, not by removing it from
   * the list and inserting it again (two shifts of the whole tail; with a thousand listed cycles per base token and
   * hundreds re-sized when a hub pool moves, those shifts were as costly as the rest of the block).
   */
  set(cycle: number, group: number, opportunity: Opportunity | null): void {
    const previous = this.listed[cycle] === 1 ? this.byCycle.get(cycle)! : null;
    const entry = opportunity === null ? null : { cycle, group, opportunity };
    if (previous !== null && entry !== null && previous.group === group) {
      moveTo(this.groups[group]!, position(this.groups[group]!, previous), entry);
      this.byCycle.set(cycle, entry);
      return;
    }
    if (previous !== null) {
      const list = this.groups[previous.group]!;
      list.splice(position(list, previous), 1);
      this.byCycle.delete(cycle);
      this.listed[cycle] = 0;
    }
    if (entry === null) return;
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

/** Replaces the entry at index `from` of the sorted `list` by `entry`, at the place that keeps the list sorted. */
function moveTo(list: Entry[], from: number, entry: Entry): void {
  // The slot is found with the old entry still at `from`: entries between the two places shift by one towards it.
  const slot = position(list, entry);
  if (slot > from + 1) {
    list.copyWithin(from, from + 1, slot);
    list[slot - 1] = entry;
  } else if (slot < from) {
    list.copyWithin(slot + 1, slot, from);
    list[slot] = entry;
  } else list[from] = entry;
}
