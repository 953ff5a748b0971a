import { describe, expect, it } from "vitest";
import { networkPolicies, netServicePerimeterRequired } from "../network.ts";
import { compliantStack } from "./fixtures/stack.ts";
import { findings, policySpec, PROD_SETTINGS, setPath, toEvalResources, type PolicyCase } from "./harness.ts";

const cases: PolicyCase[] = [
  {
    policy: "vpc-custom-subnets",
    breaks: "auto mode",
    target: "vpc",
    mutate: (i) => setPath(i, "autoCreateSubnetworks", undefined),
    expect: ["NET-001"],
  },
  {
    policy: "subnet-flow-logs-and-private-google-access",
    breaks: "no flow logs",
    target: "subnet-us-east4",
    mutate: (i) => setPath(i, "logConfig", undefined),
    expect: ["NET-002"],
  },
  {
    policy: "subnet-flow-logs-and-private-google-access",
    breaks: "metadata excluded",
    target: "subnet-us-central1",
    mutate: (i) => setPath(i, "logConfig.metadata", "EXCLUDE_ALL_METADATA"),
    expect: ["NET-002"],
  },
  {
    policy: "subnet-flow-logs-and-private-google-access",
    breaks: "no private Google access",
    target: "subnet-us-east4",
    mutate: (i) => setPath(i, "privateIpGoogleAccess", false),
    expect: ["NET-003"],
  },
  {
    policy: "firewall-no-world-ingress-to-admin-ports",
    breaks: "SSH from the internet",
    target: "allow-lb-health-checks",
    mutate: (i) => {
      setPath(i, "sourceRanges", ["0.0.0.0/0"]);
      setPath(i, "allows", [{ protocol: "tcp", ports: ["22"] }]);
    },
    expect: ["NET-004"],
  },
  {
    policy: "firewall-no-world-ingress-to-admin-ports",
    breaks: "a port range over PostgreSQL from ::/0",
    target: "allow-lb-health-checks",
    mutate: (i) => {
      setPath(i, "sourceRanges", ["::/0"]);
      setPath(i, "allows", [{ protocol: "tcp", ports: ["5000-6000"] }]);
    },
    expect: ["NET-004"],
  },
  {
    policy: "firewall-no-world-ingress-to-admin-ports",
    breaks: "all protocols from the internet",
    target: "allow-lb-health-checks",
    mutate: (i) => {
      setPath(i, "sourceRanges", ["0.0.0.0/0"]);
      setPath(i, "allows", [{ protocol: "all" }]);
    },
    expect: ["NET-004"],
  },
  {
    policy: "firewall-no-world-ingress-to-admin-ports",
    breaks: "no firewall logging",
    target: "allow-lb-health-checks",
    mutate: (i) => setPath(i, "logConfig", undefined),
    expect: ["NET-004"],
  },
  {
    policy: "vpc-sc-perimeter-covers-data-services",
    breaks: "Cloud Run outside the perimeter",
    target: "perimeter",
    mutate: (i) => setPath(i, "status.restrictedServices", ["sqladmin.googleapis.com", "storage.googleapis.com"]),
    expect: ["NET-005"],
  },
  {
    policy: "vpc-sc-perimeter-required",
    breaks: "prod without a perimeter",
    remove: ["perimeter"],
    expect: ["NET-005"],
  },
  {
    policy: "vpc-sc-perimeter-required",
    breaks: "a perimeter in dry run only",
    target: "perimeter",
    mutate: (i) => {
      setPath(i, "spec", i["status"]);
      setPath(i, "status", undefined);
      setPath(i, "useExplicitDryRunSpec", true);
    },
    expect: ["NET-005"],
  },
];

policySpec("network", networkPolicies, cases);

describe("vpc-sc-perimeter-required outside prod", () => {
  const withoutPerimeter = () => toEvalResources(compliantStack().filter((f) => f.name !== "perimeter"));

  it("asks nothing of a stack whose configuration requires no perimeter", async () => {
    const settings = { ...PROD_SETTINGS, requireServicePerimeter: undefined };
    expect(await findings([netServicePerimeterRequired(settings)], withoutPerimeter())).toEqual([]);
  });

  it("takes the requirement from --policy-pack-config as well as from the stack's file", async () => {
    const policy = netServicePerimeterRequired({ ...PROD_SETTINGS, requireServicePerimeter: undefined });
    expect(policy.configSchema?.properties).toHaveProperty("requireServicePerimeter.type", "boolean");
    if (policy.kind !== "stack") throw new Error("a stack policy");
    const reported: string[] = [];
    const resources = withoutPerimeter().map((r) => ({ type: r.type, props: r.outputs, urn: r.urn, name: r.name }));
    policy.validateStack(
      {
        resources: resources as never,
        getConfig: <T extends object>() => ({ requireServicePerimeter: true }) as T,
        stackTags: new Map(),
        notApplicable: () => {
          throw new Error("not applicable");
        },
      },
      (message) => reported.push(message),
    );
    expect(reported).toEqual([
      "NET-005: the stack must create a VPC Service Controls perimeter (accesscontextmanager ServicePerimeter) around its project.",
    ]);
  });
});
