import { networkPolicies } from "../network.ts";
import { policySpec, setPath, type PolicyCase } from "./harness.ts";

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
];

policySpec("network", () => networkPolicies(), cases);
