import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { parseStackConfig, StackConfigError } from "./config.ts";

const prod = (
  parse(readFileSync(new URL("./Pulumi.prod.yaml", import.meta.url), "utf8")) as { config: Record<string, unknown> }
).config;
const withKey = (key: string, value: unknown): Record<string, unknown> => ({
  ...prod,
  "alpha-orion:pagerdutyServiceKey": "k",
  [key]: value,
});

function rejection(raw: Record<string, unknown>): StackConfigError {
  try {
    parseStackConfig(raw, "Pulumi.prod.yaml");
  } catch (err) {
    if (err instanceof StackConfigError) return err;
    throw err;
  }
  throw new Error("config was accepted");
}

describe("parseStackConfig", () => {
  it("accepts the prod stack", () => {
    const config = parseStackConfig({ ...prod, "alpha-orion:pagerdutyServiceKey": "k" }, "Pulumi.prod.yaml");
    expect(config.primaryRegion).toBe("us-central1");
    expect(config.regions.filter((r) => r !== config.primaryRegion)).toEqual(["us-east4", "us-west1"]);
    expect(config.runtime).toBe("cloudrun");
    // Enforced by default: prod names its access policy and gets a perimeter that refuses, not one that only logs.
    expect(config.servicePerimeter).toMatchObject({
      accessPolicy: expect.stringMatching(/^accessPolicies\/\d+$/),
      dryRun: false,
    });
  });

  it.each([
    ["alpha-orion:regions", ["us-central1", "mars-north1"], "alpha-orion:regions[1]", /must be one of us-central1/],
    ["alpha-orion:regions", ["us-central1", "us-central1"], "alpha-orion:regions", /must not repeat a region/],
    [
      "alpha-orion:primaryRegion",
      "europe-west1",
      "alpha-orion:primaryRegion",
      /must be one of regions \(us-central1, us-east4, us-west1\)/,
    ],
    ["alpha-orion:runtime", "lambda", "alpha-orion:runtime", /Expected 'cloudrun' \| 'gke'/],
    ["alpha-orion:networkCidr", "10.0.0.0/24", "alpha-orion:networkCidr", /between \/8 and \/16/],
    ["alpha-orion:owner", "Platform Team", "alpha-orion:owner", /lowercase/],
    ["gcp:project", "X", "gcp:project", /GCP project id/],
    ["alpha-orion:scaling", { api: { min: 5, max: 2 } }, "alpha-orion:scaling.api", /min must not exceed max/],
    ["alpha-orion:scaling", { api: { min: 0, max: 2 } }, "alpha-orion:scaling.api.min", /must be >= 1 in prod/],
    [
      "alpha-orion:rollout",
      { strategy: "canary", stableRevision: "r" },
      "alpha-orion:rollout.canaryPercent",
      /is required/,
    ],
    ["alpha-orion:secretVersions", { "rpc-urls": 0 }, "alpha-orion:secretVersions.rpc-urls", /version number/],
    [
      "alpha-orion:servicePerimeter",
      { accessPolicy: "123456789012" },
      "alpha-orion:servicePerimeter.accessPolicy",
      /must be accessPolicies\/NUMBER/,
    ],
    [
      "alpha-orion:servicePerimeter",
      { accessPolicy: "accessPolicies/1", operators: ["group:sre@example.com"] },
      "alpha-orion:servicePerimeter.operators[0]",
      /must be user:EMAIL or serviceAccount:EMAIL/,
    ],
    [
      "alpha-orion:rotationHandlers",
      ["oncall@example.com"],
      "alpha-orion:rotationHandlers[0]",
      /must be user:, group:/,
    ],
    [
      "alpha-orion:tracing",
      { collector: { image: "otel/opentelemetry-collector-contrib:latest" } },
      "alpha-orion:tracing.collector.image",
      /pinned by digest/,
    ],
    [
      "alpha-orion:tracing",
      { otlpEndpoint: "https://otlp.example.com", collector: { image: `r.io/otel@sha256:${"a".repeat(64)}` } },
      "alpha-orion:tracing",
      /exactly one of otlpEndpoint and collector/,
    ],
    [
      "alpha-orion:tracing",
      { otlpEndpoint: "https://o.example.com", sampleRatio: 0 },
      "alpha-orion:tracing.sampleRatio",
      /above 0/,
    ],
  ])("%s = %j is refused, naming %s", (key, value, named, reason) => {
    const err = rejection(withKey(key, value));
    expect(err.key).toBe(named);
    expect(err.reason).toMatch(reason);
    expect(err.message).toMatch(new RegExp(`^Pulumi\\.prod\\.yaml: ${named.replace(/[.[\]]/g, "\\$&")}: `));
  });

  it("names a missing key", () => {
    const rest: Record<string, unknown> = { ...prod, "alpha-orion:pagerdutyServiceKey": "k" };
    delete rest["alpha-orion:domain"];
    expect(rejection(rest).message).toBe("Pulumi.prod.yaml: alpha-orion:domain: is required");
  });

  it("names an unknown key (a typo would otherwise be ignored)", () => {
    expect(rejection(withKey("alpha-orion:primaryRgion", "us-east4")).message).toBe(
      "Pulumi.prod.yaml: config: unknown key alpha-orion:primaryRgion",
    );
  });

  it("requires the PagerDuty key when paging is on, and says how to set it", () => {
    expect(rejection(prod).message).toMatch(
      /alpha-orion:pagerdutyServiceKey: is required when pagerduty is true: pulumi config set --secret/,
    );
  });

  it("takes a relay for the executor (default bid half the profit), none by default", () => {
    const parse = (raw: Record<string, unknown>) => parseStackConfig(raw, "Pulumi.prod.yaml");
    expect(parse({ ...prod, "alpha-orion:pagerdutyServiceKey": "k" }).relay).toBeUndefined();
    const config = parse({
      ...withKey("alpha-orion:relay", { url: "https://relay.example.com" }),
      "alpha-orion:secretVersions": { "rpc-urls": 1, "api-session-secret": 1, "relay-reputation-key": 2 },
    });
    expect(config.relay).toEqual({ url: "https://relay.example.com", bidShareBps: 5_000 });
    expect(config.secretVersions["relay-reputation-key"]).toBe(2);
  });

  it.each([
    [{ url: "http://relay.example.com" }, "alpha-orion:relay.url", /https:\/\/ URL/],
    [{ url: "https://r.example.com", bidShareBps: 10_001 }, "alpha-orion:relay.bidShareBps", /0..10000/],
    [{ url: "https://r.example.com", bidShareBps: 12.5 }, "alpha-orion:relay.bidShareBps", /whole number/],
    [{ bidShareBps: 5_000 }, "alpha-orion:relay.url", /is required: chains\/base.json names no relayUrl/],
    [{ url: "https://r.example.com", key: "0x11" }, "config", /unknown/],
  ])("refuses relay %j, naming %s", (value, named, reason) => {
    const err = rejection(withKey("alpha-orion:relay", value));
    expect(err.key).toBe(named);
    expect(err.reason).toMatch(reason);
  });

  it("refuses the reputation key's version without a relay: no executor would read it", () => {
    const err = rejection(
      withKey("alpha-orion:secretVersions", { "rpc-urls": 1, "api-session-secret": 1, "relay-reputation-key": 1 }),
    );
    expect(err.key).toBe("alpha-orion:secretVersions.relay-reputation-key");
    expect(err.reason).toMatch(/alpha-orion:relay is not set/);
  });

  const route = {
    entryPoint: "0x4337084D9E255Ff0702461CF8895CE9E3b5Ff108",
    smartAccount: "0x00000000000000000000000000000000000000a4",
    smartAccountContract: "0x00000000000000000000000000000000000000e4",
  };
  const routeVersions = { "rpc-urls": 1, "api-session-secret": 1, "bundler-url": 3, "paymaster-url": 4 };

  it("takes the ERC-4337 route for the executor (default: reject when the bundler is down, 5 s), none by default", () => {
    const parse = (raw: Record<string, unknown>) => parseStackConfig(raw, "Pulumi.prod.yaml");
    expect(parse({ ...prod, "alpha-orion:pagerdutyServiceKey": "k" }).userOperations).toBeUndefined();
    const config = parse({
      ...withKey("alpha-orion:userOperations", route),
      "alpha-orion:secretVersions": routeVersions,
    });
    expect(config.userOperations).toEqual({ ...route, bundlerTimeoutMs: 5_000, eoaFallback: false });
    expect(config.secretVersions).toMatchObject({ "bundler-url": 3, "paymaster-url": 4 });
  });

  it.each([
    [{ ...route, entryPoint: "0x0000000071727De22E5E9d8BAf0edAc6f37da032" }, "entryPoint", /EntryPoint v0.8/],
    [{ ...route, smartAccount: "0x12" }, "smartAccount", /20-byte hex address/],
    [{ ...route, bundlerTimeoutMs: 50 }, "bundlerTimeoutMs", /100..999999/],
    [{ ...route, eoaFallback: "yes" }, "eoaFallback", /boolean/],
  ])("refuses userOperations %j, naming its %s", (value, field, reason) => {
    const err = rejection(withKey("alpha-orion:userOperations", value));
    expect(err.key).toBe(`alpha-orion:userOperations.${field}`);
    expect(err.reason).toMatch(reason);
  });

  it("refuses the route's URL versions without the route, and a smart account that is the executor's own key", () => {
    const err = rejection(withKey("alpha-orion:secretVersions", routeVersions));
    expect(err.key).toBe("alpha-orion:secretVersions.bundler-url");
    expect(err.reason).toMatch(/alpha-orion:userOperations is not set/);
    const trading = prod["alpha-orion:trading"] as { executorAccount: string };
    const self = rejection({
      ...withKey("alpha-orion:userOperations", { ...route, smartAccount: trading.executorAccount }),
      "alpha-orion:secretVersions": routeVersions,
    });
    expect(self.key).toBe("alpha-orion:userOperations.smartAccount");
    expect(self.reason).toMatch(/is trading.executorAccount itself/);
  });

  it("requires a replica region in prod", () => {
    const err = rejection({ ...withKey("alpha-orion:regions", ["us-central1"]) });
    expect(err.key).toBe("alpha-orion:regions");
    expect(err.reason).toMatch(/replica region/);
  });
});
