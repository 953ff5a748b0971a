import { describe, expect, it } from "vitest";
import { drFigures } from "./figures.ts";

const acked = [
  { id: "a", ackedAt: 1_000 },
  { id: "b", ackedAt: 2_000 },
  { id: "c", ackedAt: 3_000 },
];

describe("drFigures", () => {
  it("reports no loss when the promoted replica holds every acknowledged trade", () => {
    const f = drFigures({ acked, survivors: new Set(["a", "b", "c"]), killedAt: 3_500, recoveredAt: 15_800 });
    expect(f).toEqual({ ok: true, rpoSeconds: 0, tradesLost: 0, rtoSeconds: 12.3 });
  });

  it("counts acknowledged trades the replica lacks, and the seconds back to the oldest of them", () => {
    const f = drFigures({ acked, survivors: new Set(["a"]), killedAt: 3_500, recoveredAt: 4_000 });
    expect(f).toEqual({ ok: false, rpoSeconds: 1.5, tradesLost: 2, rtoSeconds: 0.5 });
  });

  it("fails when writes never flowed again", () => {
    const f = drFigures({ acked, survivors: new Set(["a", "b", "c"]), killedAt: 3_500, recoveredAt: undefined });
    expect(f.ok).toBe(false);
  });
});
