import { describe, expect, it } from "vitest";
import { labelsFor, validateLabels } from "./labels.ts";
import { gcpName, shortRegion } from "./naming.ts";

describe("labels", () => {
  const gov = { env: "prod", owner: "platform-team", "data-classification": "restricted" };
  it("keeps the governance labels over a component's own", () => {
    expect(labelsFor(gov, { env: "spoofed", purpose: "x" })).toEqual({ ...gov, purpose: "x" });
  });
  it("names the missing governance key", () => {
    expect(() => validateLabels({ env: "prod", owner: "a" }, "Kms k")).toThrow(/"data-classification" \(GOV-001\)/);
  });
  it("refuses values GCP refuses", () => {
    expect(() => validateLabels({ ...gov, owner: "Platform Team" }, "X")).toThrow(/owner="Platform Team"/);
  });
});

describe("naming", () => {
  it.each([
    ["us-central1", "usc1"],
    ["europe-west1", "euw1"],
    ["asia-southeast1", "ass1"],
    ["us-east4", "use4"],
  ])("shortRegion(%s) = %s", (region, short) => expect(shortRegion(region)).toBe(short));
  it("refuses names over the limit and says so", () => {
    expect(gcpName(["orion", "prod", "api"])).toBe("orion-prod-api");
    expect(() => gcpName(["orion", "x".repeat(40)], 40)).toThrow(/over the 40 GCP allows/);
    expect(() => gcpName(["Orion"])).toThrow(/lowercase/);
  });
});
