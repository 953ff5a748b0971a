import type { Opportunity } from "../core/index.ts";

/** An opportunity as the scanner publishes it: the core's exact sizing plus where and when it was found. */
export interface Candidate extends Opportunity {
  /** Deterministic per block and cycle, so a redelivered message maps to the same id. */
  id: string;
  blockNumber: number;
}

/** A price as an exact ratio: `num / den` base-token units per wei of the native token. */
export interface Ratio {
  num: bigint;
  den: bigint;
}
