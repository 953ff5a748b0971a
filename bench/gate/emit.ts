import type { Measurement } from "./compare.ts";

/** A gate process reports each ratio as one JSON line on stdout; bench/gate/check.ts reads them back. */
export function emit(m: Measurement): void {
  process.stdout.write(JSON.stringify({ gate: true, ...m }) + "\n");
}
