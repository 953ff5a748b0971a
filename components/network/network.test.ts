import { describe, expect, it } from "vitest";
import { at, build, ofType, TEST_LABELS, TEST_PROJECT, unlabelled } from "../common/test-helpers.ts";
import { Network } from "./network.ts";

const args = { project: TEST_PROJECT, prefix: "orion-test", regions: ["us-central1", "us-east4"], labels: TEST_LABELS };

describe("Network", () => {
  it("is custom-mode with flow-logged, private-access subnets per region (NET-001..003)", async () => {
    const resources = await build(() => new Network("net", args));
    expect(at(ofType(resources, "Network")[0], "autoCreateSubnetworks")).toBe(false);
    const subnets = ofType(resources, "Subnetwork");
    expect(subnets.map((s) => s.inputs.region)).toEqual(["us-central1", "us-east4"]);
    for (const s of subnets) {
      expect(at(s, "privateIpGoogleAccess")).toBe(true);
      expect(at(s, "logConfig.metadata")).toBe("INCLUDE_ALL_METADATA");
    }
    expect(ofType(resources, "RouterNat")).toHaveLength(2);
    expect(at(ofType(resources, "Connection")[0], "service")).toBe("servicenetworking.googleapis.com");
    expect(unlabelled(resources)).toEqual([]);
  });

  it("opens nothing to the internet and logs every firewall rule (NET-004)", async () => {
    const resources = await build(() => new Network("net", args));
    for (const fw of ofType(resources, "Firewall")) {
      expect(at(fw, "logConfig.metadata")).toBe("INCLUDE_ALL_METADATA");
      const ranges = at(fw, "sourceRanges") as string[];
      if (fw.inputs.allows) expect(ranges.some((r) => r.endsWith("/0"))).toBe(false);
    }
  });

  it("parents every child to the component", async () => {
    const resources = await build(() => new Network("net", args));
    const component = resources.find((r) => r.type === "alpha-orion:platform:Network");
    expect(resources.filter((r) => r.custom).every((r) => r.parent === component?.urn)).toBe(true);
  });

  it("validates before creating anything", async () => {
    await expect(build(() => new Network("net", { ...args, flowSampling: 0 }))).rejects.toThrow(
      /flowSampling must be in \(0, 1\]/,
    );
    await expect(build(() => new Network("net", { ...args, cidr: "10.0.0.0/24" }))).rejects.toThrow(/\/16 or larger/);
  });
});
