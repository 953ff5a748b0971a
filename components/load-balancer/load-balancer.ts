import * as pulumi from "@pulumi/pulumi";
import * as compute from "@pulumi/gcp/compute/index.js";
import * as organizations from "@pulumi/gcp/organizations/index.js";
import * as storage from "@pulumi/gcp/storage/index.js";
import { privateBucketBaseline } from "../common/bucket.ts";
import { gcpName } from "../common/naming.ts";
import { labelsFor, validateLabels, type Labels } from "../common/labels.ts";
import { armorRules, type ArmorOptions } from "./armor.ts";

export interface GlobalLoadBalancerArgs {
  project: string;
  prefix: string;
  /** Host for the managed certificate. */
  domain: string;
  /** region -> the API's Cloud Run service name: one serverless NEG each on the global backend. */
  apiServices: Record<string, pulumi.Input<string>>;
  /** Region of the static-assets bucket (a region of the stack, GCS-007). */
  assetsRegion: string;
  /** CMEK for the static-assets bucket, in `assetsRegion` (GCS-003). */
  storageKeyId: pulumi.Input<string>;
  /** Access logs of the assets bucket go here (GCS-006). */
  accessLogBucket: pulumi.Input<string>;
  labels: Labels;
  armor?: ArmorOptions;
  /** Default RESTRICTED (LB-001). */
  sslProfile?: "MODERN" | "RESTRICTED";
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * Global external HTTPS load balancer (EXTERNAL_MANAGED): the API behind Cloud Armor (OWASP CRS, rate limit,
 * adaptive protection) through a serverless NEG per region, the dashboard's static assets through Cloud CDN, a
 * TLS 1.2+ SSL policy, a managed certificate, logged requests, and port 80 that only redirects to HTTPS.
 */
export class GlobalLoadBalancer extends pulumi.ComponentResource {
  readonly ipAddress: pulumi.Output<string>;
  readonly backendServiceId: pulumi.Output<string>;
  readonly negIds: Record<string, pulumi.Output<string>>;
  readonly securityPolicyId: pulumi.Output<string>;

  constructor(name: string, args: GlobalLoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    if (Object.keys(args.apiServices).length === 0)
      throw new Error(`GlobalLoadBalancer ${name}: apiServices must name at least one region`);
    if (!/^([a-z0-9-]+\.)+[a-z]{2,}$/.test(args.domain))
      throw new Error(`GlobalLoadBalancer ${name}: domain "${args.domain}" is not a DNS name`);
    const rules = armorRules(args.armor);
    validateLabels(args.labels, `GlobalLoadBalancer ${name}`);
    super("alpha-orion:platform:GlobalLoadBalancer", name, {}, opts);
    const parent = { parent: this };
    const project = args.project;

    this.negIds = {};
    const backends = Object.entries(args.apiServices).map(([region, service]) => {
      const neg = new compute.RegionNetworkEndpointGroup(
        `${name}-${region}`,
        {
          project,
          name: gcpName([args.prefix, "api", region]),
          region,
          networkEndpointType: "SERVERLESS",
          cloudRun: { service },
        },
        parent,
      );
      this.negIds[region] = neg.id;
      return { group: neg.id };
    });

    const policy = new compute.SecurityPolicy(
      `${name}-armor`,
      {
        project,
        name: gcpName([args.prefix, "edge"]),
        type: "CLOUD_ARMOR",
        description: "OWASP CRS, per-IP rate limit and adaptive protection for the API",
        adaptiveProtectionConfig: { layer7DdosDefenseConfig: { enable: true, ruleVisibility: "STANDARD" } },
        advancedOptionsConfig: { logLevel: "VERBOSE", jsonParsing: "STANDARD" },
        rules,
        labels: labelsFor(args.labels, { purpose: "edge" }),
      },
      parent,
    );
    this.securityPolicyId = policy.id;

    const backend = new compute.BackendService(
      `${name}-api`,
      {
        project,
        name: gcpName([args.prefix, "api"]),
        loadBalancingScheme: "EXTERNAL_MANAGED",
        protocol: "HTTPS",
        backends,
        securityPolicy: policy.id,
        logConfig: { enable: true, sampleRate: 1 },
        enableCdn: false,
        // A region answering 5xx (its bots not ready, its database unreachable) is ejected for 30 s, doubling while
        // it keeps failing, and traffic goes to the other regions; at most half of them are ever ejected at once.
        outlierDetection: {
          consecutiveErrors: 5,
          enforcingConsecutiveErrors: 100,
          interval: { seconds: 10 },
          baseEjectionTime: { seconds: 30 },
          maxEjectionPercent: 50,
        },
      },
      { parent: this, dependsOn: args.dependsOn ?? [] },
    );
    this.backendServiceId = backend.id;

    const assets = new storage.Bucket(
      `${name}-assets`,
      {
        project,
        name: gcpName([project, args.prefix, "assets"]),
        location: args.assetsRegion.toUpperCase(),
        ...privateBucketBaseline(args.storageKeyId),
        logging: { logBucket: args.accessLogBucket },
        labels: labelsFor(args.labels, { purpose: "static-assets" }),
      },
      { parent: this, dependsOn: args.dependsOn ?? [] },
    );
    const cdn = new compute.BackendBucket(
      `${name}-assets`,
      {
        project,
        name: gcpName([args.prefix, "assets"]),
        bucketName: assets.name,
        enableCdn: true,
        cdnPolicy: { cacheMode: "CACHE_ALL_STATIC", defaultTtl: 3600, maxTtl: 86400, signedUrlCacheMaxAgeSec: 0 },
      },
      parent,
    );
    // The bucket is private (GCS-002): the load balancer fetches objects for the CDN as Google's Cloud CDN fill
    // agent, which must be able to read them or every asset request fails (FEAS-009).
    new storage.BucketIAMMember(
      `${name}-assets-cdn-reader`,
      {
        bucket: assets.name,
        role: "roles/storage.objectViewer",
        member: organizations
          .getProjectOutput({ projectId: project }, parent)
          .apply((p) => `serviceAccount:service-${p.number}@cloud-cdn-fill.iam.gserviceaccount.com`),
      },
      { parent: this, dependsOn: [cdn] },
    );

    const urlMap = new compute.URLMap(
      `${name}-https`,
      {
        project,
        name: gcpName([args.prefix, "https"]),
        defaultService: backend.id,
        hostRules: [{ hosts: [args.domain], pathMatcher: "orion" }],
        pathMatchers: [
          {
            name: "orion",
            defaultService: backend.id,
            pathRules: [{ paths: ["/assets/*", "/static/*"], service: cdn.id }],
          },
        ],
      },
      parent,
    );
    const certificate = new compute.ManagedSslCertificate(
      `${name}-cert`,
      { project, name: gcpName([args.prefix, "cert"]), managed: { domains: [args.domain] } },
      parent,
    );
    const sslPolicy = new compute.SSLPolicy(
      `${name}-tls`,
      {
        project,
        name: gcpName([args.prefix, "tls"]),
        profile: args.sslProfile ?? "RESTRICTED",
        minTlsVersion: "TLS_1_2",
      },
      parent,
    );
    const httpsProxy = new compute.TargetHttpsProxy(
      `${name}-https`,
      {
        project,
        name: gcpName([args.prefix, "https"]),
        urlMap: urlMap.id,
        sslCertificates: [certificate.id],
        sslPolicy: sslPolicy.id,
        quicOverride: "NONE",
      },
      parent,
    );
    const address = new compute.GlobalAddress(
      `${name}-ip`,
      {
        project,
        name: gcpName([args.prefix, "lb"]),
        addressType: "EXTERNAL",
        ipVersion: "IPV4",
        labels: labelsFor(args.labels),
      },
      parent,
    );
    this.ipAddress = address.address;
    new compute.GlobalForwardingRule(
      `${name}-https`,
      {
        project,
        name: gcpName([args.prefix, "https"]),
        target: httpsProxy.id,
        ipAddress: address.id,
        portRange: "443",
        ipProtocol: "TCP",
        loadBalancingScheme: "EXTERNAL_MANAGED",
        labels: labelsFor(args.labels, { purpose: "https" }),
      },
      parent,
    );

    // Port 80 exists only to send clients to HTTPS (LB-003); it has no backend.
    const redirect = new compute.URLMap(
      `${name}-redirect`,
      {
        project,
        name: gcpName([args.prefix, "http-redirect"]),
        defaultUrlRedirect: {
          httpsRedirect: true,
          redirectResponseCode: "MOVED_PERMANENTLY_DEFAULT",
          stripQuery: false,
        },
      },
      parent,
    );
    const httpProxy = new compute.TargetHttpProxy(
      `${name}-redirect`,
      { project, name: gcpName([args.prefix, "http-redirect"]), urlMap: redirect.id },
      parent,
    );
    new compute.GlobalForwardingRule(
      `${name}-redirect`,
      {
        project,
        name: gcpName([args.prefix, "http-redirect"]),
        target: httpProxy.id,
        ipAddress: address.id,
        portRange: "80",
        ipProtocol: "TCP",
        loadBalancingScheme: "EXTERNAL_MANAGED",
        labels: labelsFor(args.labels, { purpose: "http-redirect" }),
      },
      parent,
    );

    this.registerOutputs({ ipAddress: this.ipAddress, backendServiceId: this.backendServiceId, negIds: this.negIds });
  }
}
