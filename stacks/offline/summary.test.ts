import { describe, expect, it } from "vitest";
import type { CapturedResource } from "./capture.ts";
import { groupByRegionAndComponent, regionsOf, summarize } from "./summary.ts";

const res = (
  urn: string,
  type: string,
  parent: string | null,
  inputs: Record<string, unknown> = {},
): CapturedResource => ({
  urn,
  type,
  name: urn,
  parent,
  custom: !type.startsWith("alpha-orion:"),
  dependencies: [],
  protect: false,
  inputs,
});

const plan = [
  res("root", "alpha-orion:platform:Platform", null),
  res("kms", "alpha-orion:platform:Kms", "root", { region: "us-east4" }),
  res("key", "gcp:kms/cryptoKey:CryptoKey", "kms"),
  res("lb", "alpha-orion:platform:GlobalLoadBalancer", "root"),
  res("neg", "gcp:compute/regionNetworkEndpointGroup:RegionNetworkEndpointGroup", "lb", { region: "us-east4" }),
  res("rule", "gcp:compute/globalForwardingRule:GlobalForwardingRule", "lb"),
  res("bucket", "gcp:storage/bucket:Bucket", "lb", { location: "US-EAST4" }),
];

describe("plan summary", () => {
  it("places resources by their own region, else their nearest regional ancestor, else global", () => {
    expect(Object.fromEntries(regionsOf(plan))).toEqual({
      root: "global",
      kms: "us-east4",
      key: "us-east4",
      lb: "global",
      neg: "us-east4",
      rule: "global",
      bucket: "us-east4",
    });
  });

  it("groups by region then parent component, global last", () => {
    const groups = groupByRegionAndComponent(plan);
    expect([...groups.keys()]).toEqual(["us-east4", "global"]);
    expect(Object.fromEntries(groups.get("us-east4")?.get("alpha-orion:platform:GlobalLoadBalancer") ?? [])).toEqual({
      "gcp:compute/regionNetworkEndpointGroup:RegionNetworkEndpointGroup": 1,
      "gcp:storage/bucket:Bucket": 1,
    });
  });

  it("counts by type", () => {
    expect(summarize(plan)).toMatchObject({ resources: 7, byType: { "gcp:kms/cryptoKey:CryptoKey": 1 } });
  });
});
