import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatCidr, MAX_REGIONS, overlaps, parseCidr, planRegionRanges } from "./cidr.ts";

const regions = ["us-central1", "us-east4", "us-west1", "europe-west1", "europe-west4"];

describe("planRegionRanges", () => {
  it("gives each region fixed slots", () => {
    expect(planRegionRanges("10.40.0.0/16", regions.slice(0, 2))).toEqual([
      {
        region: "us-central1",
        primary: "10.40.0.0/20",
        pods: "10.40.80.0/20",
        services: "10.40.240.0/24",
        master: "172.16.0.0/28",
      },
      {
        region: "us-east4",
        primary: "10.40.16.0/20",
        pods: "10.40.96.0/20",
        services: "10.40.241.0/24",
        master: "172.16.1.0/28",
      },
    ]);
  });

  it("never overlaps and stays inside the VPC range, for any /16 and region count", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: MAX_REGIONS }), (second, n) => {
        const base = `10.${second}.0.0/16`;
        const plan = planRegionRanges(base, regions.slice(0, n));
        const vpc = parseCidr(base);
        const ranges = plan.flatMap((p) => [p.primary, p.pods, p.services]).map(parseCidr);
        for (const r of ranges) expect(overlaps(r, vpc) && r.prefix >= vpc.prefix).toBe(true);
        ranges.forEach((a, i) => ranges.slice(i + 1).forEach((b) => expect(overlaps(a, b)).toBe(false)));
        const masters = plan.map((p) => parseCidr(p.master));
        masters.forEach((a, i) => masters.slice(i + 1).forEach((b) => expect(overlaps(a, b)).toBe(false)));
      }),
    );
  });

  it("keeps a region's slot when regions are appended (a new region never renumbers the old ones)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_REGIONS - 1 }), (n) => {
        const before = planRegionRanges("10.20.0.0/16", regions.slice(0, n));
        const after = planRegionRanges("10.20.0.0/16", regions.slice(0, n + 1));
        expect(after.slice(0, n)).toEqual(before);
      }),
    );
  });

  it.each([
    ["10.20.0.0/20", /must be \/16 or larger/],
    ["10.20.1.0/16", /host bits set: use 10.20.0.0\/16/],
    ["10.20.0.0", /not an IPv4 CIDR/],
  ])("refuses %s", (cidr, message) => expect(() => planRegionRanges(cidr, regions.slice(0, 1))).toThrow(message));

  it("refuses more regions than the plan holds", () => {
    expect(() => planRegionRanges("10.0.0.0/16", [...regions, "asia-southeast1"])).toThrow(/at most 5 regions/);
  });

  it("formats what it parses", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 16 - 1 }), (n) => {
        const text = formatCidr({ base: n * 2 ** 16, prefix: 16 });
        expect(formatCidr(parseCidr(text))).toBe(text);
      }),
    );
  });
});
