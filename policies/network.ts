import { resourcePolicy, stackPolicy } from "./factory.ts";
import { at, isSet, isTrue, list, str } from "./props.ts";
import { DEFAULT_SETTINGS, type OrionPolicy, type PolicySettings } from "./types.ts";

export const NETWORK = "gcp:compute/network:Network";
export const SUBNETWORK = "gcp:compute/subnetwork:Subnetwork";
export const FIREWALL = "gcp:compute/firewall:Firewall";
export const SERVICE_PERIMETER = "gcp:accesscontextmanager/servicePerimeter:ServicePerimeter";

// Proxy-only and PSC subnets carry no VM traffic: flow logs and Private Google Access do not apply to them.
const PROXY_PURPOSES = [
  "REGIONAL_MANAGED_PROXY",
  "GLOBAL_MANAGED_PROXY",
  "INTERNAL_HTTPS_LOAD_BALANCER",
  "PRIVATE_SERVICE_CONNECT",
];
const WORLD = ["0.0.0.0/0", "::/0"];
/** Ports no firewall may open to the internet: SSH, RDP, FTP, MySQL, PostgreSQL, Redis and plain HTTP. */
const RESTRICTED_PORTS = [22, 3389, 20, 21, 3306, 5432, 6379, 80];
export const PERIMETER_SERVICES = [
  "sqladmin.googleapis.com",
  "redis.googleapis.com",
  "storage.googleapis.com",
  "pubsub.googleapis.com",
  "secretmanager.googleapis.com",
  "cloudkms.googleapis.com",
  "run.googleapis.com",
];

export const netCustomSubnets = () =>
  resourcePolicy({
    name: "vpc-custom-subnets",
    description: "VPC networks must use custom subnets.",
    controls: ["NET-001"],
    types: [NETWORK],
    check: (props, _args, report) => {
      // The API creates auto-mode networks unless told otherwise.
      if (at(props, "autoCreateSubnetworks") !== false) report("NET-001", "autoCreateSubnetworks must be false.");
    },
  });

export const netSubnetFlowLogsAndPga = () =>
  resourcePolicy({
    name: "subnet-flow-logs-and-private-google-access",
    description: "Subnets must keep flow logs with all metadata and reach Google APIs privately.",
    controls: ["NET-002", "NET-003"],
    types: [SUBNETWORK],
    check: (props, args, report) => {
      if (PROXY_PURPOSES.includes(str(props, "purpose") ?? "")) return args.notApplicable("Proxy-only or PSC subnet");
      if (str(props, "logConfig.metadata") !== "INCLUDE_ALL_METADATA") {
        report("NET-002", "logConfig must be set with metadata INCLUDE_ALL_METADATA.");
      }
      if (!isTrue(props, "privateIpGoogleAccess")) report("NET-003", "privateIpGoogleAccess must be true.");
    },
  });

/** Whether a firewall port spec ("22", "20-21", absent for all ports) includes a restricted port. */
function opensRestricted(ports: unknown[]): number[] {
  if (ports.length === 0) return RESTRICTED_PORTS;
  const hits = new Set<number>();
  for (const spec of ports.map(String)) {
    const [lo, hi] = spec.split("-").map(Number);
    if (lo === undefined || Number.isNaN(lo)) continue;
    for (const p of RESTRICTED_PORTS) if (p >= lo && p <= (hi ?? lo)) hits.add(p);
  }
  return [...hits].sort((a, b) => a - b);
}

export const netFirewallIngress = () =>
  resourcePolicy({
    name: "firewall-no-world-ingress-to-admin-ports",
    description: "Firewalls must not allow ingress from the internet to admin or data ports, and must log.",
    controls: ["NET-004"],
    types: [FIREWALL],
    check: (props, _args, report) => {
      const ingress = (str(props, "direction") ?? "INGRESS") === "INGRESS";
      const fromWorld = list(props, "sourceRanges").some((r) => WORLD.includes(String(r)));
      if (ingress && fromWorld && !isTrue(props, "disabled")) {
        for (const allow of list(props, "allows")) {
          const protocol = str(allow, "protocol") ?? "all";
          if (!["tcp", "udp", "all", "sctp"].includes(protocol)) continue;
          const hits = opensRestricted(list(allow, "ports"));
          if (hits.length > 0) {
            report("NET-004", `INGRESS from 0.0.0.0/0 or ::/0 must not allow ${protocol} ports ${hits.join(", ")}.`);
          }
        }
      }
      if (!isSet(at(props, "logConfig"))) report("NET-004", "logConfig must be set.");
    },
  });

export const netServicePerimeter = () =>
  resourcePolicy({
    name: "vpc-sc-perimeter-covers-data-services",
    description: "VPC Service Controls perimeters must restrict every data service the platform uses.",
    controls: ["NET-005"],
    types: [SERVICE_PERIMETER],
    check: (props, _args, report) => {
      const restricted = new Set(list(props, "status.restrictedServices").map(String));
      const missing = PERIMETER_SERVICES.filter((s) => !restricted.has(s));
      if (missing.length > 0) report("NET-005", `status.restrictedServices must include ${missing.join(", ")}.`);
    },
  });

/** The data services' resource types: a stack holding any of them has data a perimeter must enclose. */
const DATA_SERVICE_TYPES = [
  "gcp:sql/databaseInstance:DatabaseInstance",
  "gcp:redis/instance:Instance",
  "gcp:storage/bucket:Bucket",
  "gcp:pubsub/topic:Topic",
  "gcp:secretmanager/secret:Secret",
  "gcp:kms/cryptoKey:CryptoKey",
  "gcp:cloudrunv2/service:Service",
];

export const netServicePerimeterRequired = (settings: PolicySettings = DEFAULT_SETTINGS) =>
  stackPolicy({
    name: "vpc-sc-perimeter-required",
    description: "A stack whose configuration requires it must sit inside a VPC Service Controls perimeter.",
    controls: ["NET-005"],
    types: DATA_SERVICE_TYPES,
    examines: [...DATA_SERVICE_TYPES, SERVICE_PERIMETER],
    settings: { from: settings, reads: ["requireServicePerimeter"] },
    check: (resources, args, report, settings) => {
      // Where no access policy is configured (dev, a sandbox) a perimeter is optional: one present is still checked
      // by vpc-sc-perimeter-covers-data-services.
      if (settings.requireServicePerimeter !== true) {
        return args.notApplicable("The stack's configuration requires no perimeter");
      }
      const perimeters = resources.filter((r) => r.type === SERVICE_PERIMETER);
      if (perimeters.length === 0) {
        report(
          "NET-005",
          "the stack must create a VPC Service Controls perimeter (accesscontextmanager ServicePerimeter) around its project.",
        );
        return;
      }
      // Dry run (spec only) logs violations but refuses nothing: only an enforced status encloses the project.
      if (!perimeters.some((p) => list(p.props, "status.resources").length > 0)) {
        report(
          "NET-005",
          "a perimeter's status.resources must enclose the stack's project (dry run alone is not enough).",
        );
      }
    },
  });

export function networkPolicies(settings: PolicySettings = DEFAULT_SETTINGS): OrionPolicy[] {
  return [
    netCustomSubnets(),
    netSubnetFlowLogsAndPga(),
    netFirewallIngress(),
    netServicePerimeter(),
    netServicePerimeterRequired(settings),
  ];
}
