import * as pulumi from "@pulumi/pulumi";
import * as compute from "@pulumi/gcp/compute/index.js";
import * as servicenetworking from "@pulumi/gcp/servicenetworking/index.js";
import { gcpName } from "../common/naming.ts";
import { labelsFor, validateLabels, type Labels } from "../common/labels.ts";
import { planRegionRanges, type RegionRanges } from "./cidr.ts";

export interface NetworkArgs {
  project: string;
  prefix: string;
  /** Regions in their approved order; each gets a subnet, a router and a NAT. */
  regions: readonly string[];
  /** VPC range cut into per-region slots by `planRegionRanges`. Default 10.20.0.0/16. */
  cidr?: string;
  labels: Labels;
  /** Flow-log sampling (0..1]. Default 0.5: half the flows, all metadata (NET-002). */
  flowSampling?: number;
}

export interface SubnetRef {
  id: pulumi.Output<string>;
  selfLink: pulumi.Output<string>;
  ranges: RegionRanges;
}

/**
 * Custom-mode VPC (NET-001) with one flow-logged, Private-Google-Access subnet per region (NET-002/003), Private
 * Service Access for Cloud SQL and Memorystore, Cloud NAT for egress, and a logged deny-all ingress baseline: no
 * firewall rule opens anything to the internet (NET-004). Cloud Run reaches the VPC by direct VPC egress, so no
 * connector VMs exist to patch.
 */
export class Network extends pulumi.ComponentResource {
  readonly networkId: pulumi.Output<string>;
  readonly networkSelfLink: pulumi.Output<string>;
  readonly subnets: Record<string, SubnetRef>;
  /** Completes once Private Service Access is peered: Cloud SQL and Memorystore must wait for it. */
  readonly privateServiceAccess: pulumi.Resource;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    const sampling = args.flowSampling ?? 0.5;
    if (!(sampling > 0 && sampling <= 1))
      throw new Error(`Network ${name}: flowSampling must be in (0, 1], got ${sampling}`);
    if (args.regions.length === 0) throw new Error(`Network ${name}: regions must list at least one region`);
    validateLabels(args.labels, `Network ${name}`);
    const plan = planRegionRanges(args.cidr ?? "10.20.0.0/16", args.regions);
    super("alpha-orion:platform:Network", name, {}, opts);
    const parent = { parent: this };

    const vpc = new compute.Network(
      name,
      {
        project: args.project,
        name: gcpName([args.prefix, "vpc"]),
        autoCreateSubnetworks: false,
        routingMode: "GLOBAL",
        deleteDefaultRoutesOnCreate: false,
      },
      parent,
    );
    this.networkId = vpc.id;
    this.networkSelfLink = vpc.selfLink;

    this.subnets = {};
    for (const ranges of plan) {
      const subnet = new compute.Subnetwork(
        `${name}-${ranges.region}`,
        {
          project: args.project,
          name: gcpName([args.prefix, ranges.region]),
          region: ranges.region,
          network: vpc.id,
          ipCidrRange: ranges.primary,
          privateIpGoogleAccess: true,
          secondaryIpRanges: [
            { rangeName: "pods", ipCidrRange: ranges.pods },
            { rangeName: "services", ipCidrRange: ranges.services },
          ],
          logConfig: {
            aggregationInterval: "INTERVAL_5_SEC",
            flowSampling: sampling,
            metadata: "INCLUDE_ALL_METADATA",
          },
        },
        parent,
      );
      this.subnets[ranges.region] = { id: subnet.id, selfLink: subnet.selfLink, ranges };

      const router = new compute.Router(
        `${name}-${ranges.region}`,
        {
          project: args.project,
          name: gcpName([args.prefix, ranges.region, "router"]),
          region: ranges.region,
          network: vpc.id,
        },
        parent,
      );
      new compute.RouterNat(
        `${name}-${ranges.region}`,
        {
          project: args.project,
          name: gcpName([args.prefix, ranges.region, "nat"]),
          router: router.name,
          region: ranges.region,
          natIpAllocateOption: "AUTO_ONLY",
          sourceSubnetworkIpRangesToNat: "ALL_SUBNETWORKS_ALL_IP_RANGES",
          logConfig: { enable: true, filter: "ERRORS_ONLY" },
        },
        parent,
      );
    }

    const psaRange = new compute.GlobalAddress(
      `${name}-psa`,
      {
        project: args.project,
        name: gcpName([args.prefix, "psa"]),
        purpose: "VPC_PEERING",
        addressType: "INTERNAL",
        prefixLength: 16,
        network: vpc.id,
        labels: labelsFor(args.labels, { purpose: "private-service-access" }),
      },
      parent,
    );
    this.privateServiceAccess = new servicenetworking.Connection(
      `${name}-psa`,
      { network: vpc.id, service: "servicenetworking.googleapis.com", reservedPeeringRanges: [psaRange.name] },
      parent,
    );

    // Explicit lowest-priority deny with logging: the implied deny is not logged, this one is (NET-004 logConfig).
    new compute.Firewall(
      `${name}-deny-ingress`,
      {
        project: args.project,
        name: gcpName([args.prefix, "deny-all-ingress"]),
        network: vpc.id,
        direction: "INGRESS",
        priority: 65534,
        sourceRanges: ["0.0.0.0/0"],
        denies: [{ protocol: "all" }],
        logConfig: { metadata: "INCLUDE_ALL_METADATA" },
      },
      parent,
    );
    new compute.Firewall(
      `${name}-allow-internal`,
      {
        project: args.project,
        name: gcpName([args.prefix, "allow-internal"]),
        network: vpc.id,
        direction: "INGRESS",
        priority: 1000,
        sourceRanges: plan.flatMap((r) => [r.primary, r.pods]),
        allows: [{ protocol: "tcp", ports: ["8080", "15017", "15012"] }],
        logConfig: { metadata: "INCLUDE_ALL_METADATA" },
      },
      parent,
    );

    this.registerOutputs({ networkId: this.networkId, subnets: this.subnets });
  }
}
