/** How sure the size is: the integer optimum, within 1e-6 of its profit, or best found when neither was provable. */
export type Optimality = "exact" | "ppm" | "unproven";

/** A cycle's size: exact amounts for one input, and how sure it is that no input earns more. */
export interface SizedTrade {
  amountIn: bigint;
  amountOut: bigint;
  profit: bigint;
  optimality: Optimality;
}
