/**
 * Writes a seeded synthetic market (bench/synthetic-market.ts) as a pool snapshot (schema v1), so `orion scan` can be
 * timed on the benchmark's markets: `node --import tsx bench/market-snapshot.ts POOLS SHOCKED > FILE`.
 * The engine targets of issue 14 use 10000 pools with SHOCKED 0.07 (about one cycle in fifty profitable at 3 hops).
 */
import { syntheticMarket, toSnapshot } from "./synthetic-market.ts";

const [pools, shocked] = process.argv.slice(2).map(Number);
if (!Number.isInteger(pools) || pools! < 10 || !(shocked! >= 0 && shocked! <= 1)) {
  process.stderr.write("market-snapshot: usage: POOLS (an integer >= 10) SHOCKED (a share 0..1)\n");
  process.exit(2);
}
process.stdout.write(toSnapshot(syntheticMarket({ pools: pools!, seed: pools! + 3, shocked: shocked! })) + "\n");
