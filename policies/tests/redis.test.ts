import { redisPolicies } from "../redis.ts";
import { describe, expect, it } from "vitest";
import { brokenStack, findings, policySpec, setPath, toEvalResources, type PolicyCase } from "./harness.ts";

const cases: PolicyCase[] = [
  {
    policy: "memorystore-auth-and-tls",
    breaks: "AUTH off",
    target: "cache",
    mutate: (i) => setPath(i, "authEnabled", false),
    expect: ["RED-001"],
  },
  {
    policy: "memorystore-auth-and-tls",
    breaks: "no transit encryption",
    target: "cache",
    mutate: (i) => setPath(i, "transitEncryptionMode", "DISABLED"),
    expect: ["RED-002"],
  },
  {
    policy: "memorystore-cmek",
    breaks: "Google-managed key",
    target: "cache",
    mutate: (i) => setPath(i, "customerManagedKey", undefined),
    expect: ["RED-003"],
  },
  {
    policy: "memorystore-private-service-access",
    breaks: "direct peering",
    target: "cache",
    mutate: (i) => setPath(i, "connectMode", "DIRECT_PEERING"),
    expect: ["RED-004"],
  },
  {
    policy: "memorystore-private-service-access",
    breaks: "default network",
    target: "cache",
    mutate: (i) => setPath(i, "authorizedNetwork", undefined),
    expect: ["RED-004"],
  },
  {
    policy: "memorystore-ha-persistence",
    breaks: "basic tier without replicas",
    target: "cache",
    mutate: (i) => {
      setPath(i, "tier", "BASIC");
      setPath(i, "replicaCount", 0);
    },
    expect: ["RED-005"],
  },
  {
    policy: "memorystore-ha-persistence",
    breaks: "no persistence or maintenance",
    target: "cache",
    mutate: (i) => {
      setPath(i, "persistenceConfig", { persistenceMode: "DISABLED" });
      setPath(i, "maintenancePolicy", undefined);
    },
    expect: ["RED-005"],
  },
];

policySpec("redis", () => redisPolicies(), cases);

describe("RED-005 on a default STANDARD_HA instance", () => {
  it("passes without replicaCount: STANDARD_HA keeps one replica by default", async () => {
    const stack = brokenStack({
      breaks: "",
      policy: "",
      target: "cache",
      mutate: (i) => setPath(i, "replicaCount", undefined),
      expect: [],
    });
    expect(await findings(redisPolicies(), toEvalResources(stack))).toEqual([]);
  });
});
