import type { Opportunity } from "./opportunity.ts";

/** One cycle's opportunity and the group (base token) it is listed under, as the book keeps it. */
export interface BookEntry {
  cycle: number;
  group: number;
  opportunity: Opportunity;
  /** Number(profit): ordered like the profits (conversion is monotone), so bigints are compared only on a tie. */
  key: number;
}
type Entry = BookEntry;

/** The entry for `opportunity` of `cycle` under `group` (what `reset` takes). */
export function bookEntry(cycle: number, group: number, opportunity: Opportunity): BookEntry {
  return { cycle, group, opportunity, key: Number(opportunity.profit) };
}

/**
 * The current opportunity set, kept sorted per base token (profit desc, then cycle id for a stable order) so that a
 * block that changes a few cycles costs a few binary searches instead of a re-sort.
 */
export class OpportunityBook {
  private readonly groups: Entry[][];
  /** Every listed entry, in no order. */
  private entries: Entry[] = [];
  /**
   * Per cycle, 1 + its entry's index in `entries`, or 0 when the cycle is not listed: "is this cycle listed?" and "its
   * entry" without a map (a full scan lists ten thousand cycles at once, a map insertion each).
   */
  private readonly slot: Int32Array;
  /**
   * A full scan's list (`resetListed`) not yet placed in `entries`, `groups` and `slot`: `orion scan` lists once and
   * never asks again, and in a fresh process the loops that place 14,000 entries run before they are compiled.
   */
  private listed: Listed | null = null;

  constructor(groupCount: number, cycleCount: number) {
    this.groups = Array.from({ length: groupCount }, () => []);
    this.slot = new Int32Array(cycleCount);
  }

  has(cycle: number): boolean {
    if (this.listed !== null) this.place();
    return this.slot[cycle] !== 0;
  }

  get size(): number {
    return this.listed !== null ? this.listed.opportunities.length : this.entries.length;
  }

  /**
   * Replaces everything with a list in list order (a full scan): opportunity k is cycle `cycles[k]`'s, listed under
   * `groups[k]`. The book keeps the three arrays: pass arrays of its own. Nothing is placed until a later call needs
   * it; `list` before then copies `opportunities`.
   */
  resetListed(cycles: ArrayLike<number>, groups: ArrayLike<number>, opportunities: readonly Opportunity[]): void {
    this.listed = { cycles, groups, opportunities };
  }

  /**
   * Replaces everything at once (a full scan): one sort per group instead of one insertion per cycle, none when
   * `inOrder` (the entries are in list order already: by group, then as compareEntries orders them). The book keeps
   * `entries` (and changes it later): pass an array of its own.
   */
  reset(entries: BookEntry[], inOrder = false): void {
    // The entries a pending list would have placed are not in `slot`: only those placed before it are cleared.
    this.listed = null;
    for (const old of this.entries) this.slot[old.cycle] = 0;
    for (const group of this.groups) group.length = 0;
    this.entries = entries;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      this.slot[entry.cycle] = i + 1;
      this.groups[entry.group]!.push(entry);
    }
    if (inOrder) return;
    for (let g = 0; g < this.groups.length; g++) this.groups[g] = sortEntries(this.groups[g]!);
  }

  /**
   * Sets or clears the opportunity of one cycle. A re-sized cycle usually keeps its place or moves a few places (its
   * profit changed a little), so it is moved there by shifting only the entries in between, not by removing it from
   * the list and inserting it again (two shifts of the whole tail; with a thousand listed cycles per base token and
   * hundreds re-sized when a hub pool moves, those shifts were as costly as the rest of the block).
   */
  set(cycle: number, group: number, opportunity: Opportunity | null): void {
    if (this.listed !== null) this.place();
    const at = this.slot[cycle]! - 1;
    const previous = at >= 0 ? this.entries[at]! : null;
    const entry = opportunity === null ? null : bookEntry(cycle, group, opportunity);
    if (previous !== null && entry !== null && previous.group === group) {
      moveTo(this.groups[group]!, position(this.groups[group]!, previous), entry);
      this.entries[at] = entry;
      return;
    }
    if (previous !== null) {
      const list = this.groups[previous.group]!;
      list.splice(position(list, previous), 1);
      // The last entry fills the hole.
      const last = this.entries.pop()!;
      if (last !== previous) {
        this.entries[at] = last;
        this.slot[last.cycle] = at + 1;
      }
      this.slot[cycle] = 0;
    }
    if (entry === null) return;
    const list = this.groups[group]!;
    list.splice(position(list, entry), 0, entry);
    this.entries.push(entry);
    this.slot[cycle] = this.entries.length;
  }

  get(cycle: number): Opportunity | undefined {
    if (this.listed !== null) this.place();
    const at = this.slot[cycle]! - 1;
    return at >= 0 ? this.entries[at]!.opportunity : undefined;
  }

  /** All opportunities: grouped by base token in group order, each group by profit, highest first. */
  list(): Opportunity[] {
    if (this.listed !== null) return this.listed.opportunities.slice();
    // Sized once: grown by push, the array of a few thousand opportunities allocated three times its size per block,
    // a third of a block's garbage, and every minor GC lands in some block's time.
    const result = new Array<Opportunity>(this.entries.length);
    let i = 0;
    for (const group of this.groups) for (const entry of group) result[i++] = entry.opportunity;
    return result;
  }

  /** Places the pending list (`resetListed`), as `reset` would have. */
  private place(): void {
    const { cycles, groups, opportunities } = this.listed!;
    const entries = new Array<Entry>(opportunities.length);
    for (let k = 0; k < entries.length; k++) entries[k] = bookEntry(cycles[k]!, groups[k]!, opportunities[k]!);
    this.reset(entries, true);
  }
}

/** What `resetListed` was given. */
interface Listed {
  cycles: ArrayLike<number>;
  groups: ArrayLike<number>;
  opportunities: readonly Opportunity[];
}

function compareEntries(x: Entry, y: Entry): number {
  if (x.key !== y.key) return x.key > y.key ? -1 : 1;
  const a = x.opportunity.profit;
  const b = y.opportunity.profit;
  if (a !== b) return a > b ? -1 : 1;
  return x.cycle - y.cycle;
}

/**
 * `list` in compareEntries order. Sorting ten thousand entries with a comparator cost about as much as sizing them:
 * instead the float keys are sorted natively (no callbacks), each entry goes to the first free slot of its key, and
 * only entries sharing a key (rare: equal floats, maybe unequal bigints) are ordered by the comparator.
 */
function sortEntries(list: Entry[]): Entry[] {
  const n = list.length;
  if (n < 2) return list;
  // Negated so that the ascending native sort puts the highest profit first (0 - key: never -0, which sorts apart).
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = 0 - list[i]!.key;
  keys.sort();
  const sorted = new Array<Entry>(n);
  const used = new Int32Array(n);
  let ties = false;
  for (let i = 0; i < n; i++) {
    const entry = list[i]!;
    const target = 0 - entry.key;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    const before = used[lo]!++;
    if (before > 0) ties = true;
    sorted[lo + before] = entry;
  }
  // Only when two keys are equal: in a fresh process the loop below, never run, would make the optimised code of this
  // function give up (no type feedback) when reached, and the interpreter would finish the sort.
  if (!ties) return sorted;
  for (let start = 0; start < n;) {
    let end = start + 1;
    while (end < n && sorted[end]!.key === sorted[start]!.key) end++;
    if (end - start > 1) sortRun(sorted, start, end);
    start = end;
  }
  return sorted;
}

/** Insertion sort of sorted[start..end) by the full comparator (runs of equal keys are short). */
function sortRun(sorted: Entry[], start: number, end: number): void {
  for (let i = start + 1; i < end; i++) {
    const entry = sorted[i]!;
    let j = i - 1;
    while (j >= start && compareEntries(sorted[j]!, entry) > 0) {
      sorted[j + 1] = sorted[j]!;
      j--;
    }
    sorted[j + 1] = entry;
  }
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
