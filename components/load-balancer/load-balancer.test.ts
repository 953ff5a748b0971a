import { describe, expect, it } from "vitest";
import { PROJECT_NUMBER } from "../common/mocks.ts";
import { at, build, ofType, TEST_LABELS, TEST_PROJECT, unlabelled } from "../common/test-helpers.ts";
import { armorRules, WAF_RULE_SETS } from "./armor.ts";
import { GlobalLoadBalancer } from "./load-balancer.ts";

const args = {
  project: TEST_PROJECT,
  prefix: "orion-test",
  domain: "api.example.com",
  apiServices: { "us-central1": "orion-test-api-us-central1", "us-east4": "orion-test-api-us-east4" },
  assetsRegion: "us-central1",
  storageKeyId: "projects/p/locations/us-central1/keyRings/k/cryptoKeys/storage",
  accessLogBucket: "p-orion-test-access-logs",
  labels: TEST_LABELS,
};

describe("armorRules", () => {
  it("denies every OWASP set and the CVE canary, none in preview, then rate-limits (LB-006)", () => {
    const rules = armorRules();
    const waf = rules.filter((r) => r.action === "deny(403)");
    expect(waf).toHaveLength(WAF_RULE_SETS.length);
    expect(rules.every((r) => r.preview === false)).toBe(true);
    expect(rules.find((r) => r.rateLimitOptions)?.rateLimitOptions?.rateLimitThreshold).toEqual({
      count: 600,
      intervalSec: 60,
    });
    const priorities = rules.map((r) => r.priority);
    expect(new Set(priorities).size).toBe(priorities.length);
    expect(rules.at(-1)?.priority).toBe(2147483647);
  });
  it("refuses a sensitivity the WAF does not have", () =>
    expect(() => armorRules({ sensitivity: 5 })).toThrow(/sensitivity must be 1..4/));
});

describe("GlobalLoadBalancer", () => {
  it("puts a serverless NEG per region on one logged, Cloud-Armored backend (LB-004, LB-005, LB-007)", async () => {
    const resources = await build(() => new GlobalLoadBalancer("lb", args));
    const negs = ofType(resources, "RegionNetworkEndpointGroup");
    expect(negs.map((n) => [n.inputs.region, n.inputs.networkEndpointType, at(n, "cloudRun.service")])).toEqual([
      ["us-central1", "SERVERLESS", "orion-test-api-us-central1"],
      ["us-east4", "SERVERLESS", "orion-test-api-us-east4"],
    ]);
    const backend = ofType(resources, "BackendService")[0];
    expect(backend?.inputs).toMatchObject({
      loadBalancingScheme: "EXTERNAL_MANAGED",
      logConfig: { enable: true, sampleRate: 1 },
    });
    expect(at(backend, "backends")).toEqual(
      negs.map((n) => ({
        group: `projects/${TEST_PROJECT}/regions/${n.inputs.region}/networkEndpointGroups/${n.inputs.name}`,
      })),
    );
    const policy = ofType(resources, "SecurityPolicy")[0];
    expect(backend?.inputs.securityPolicy).toBe(
      `projects/${TEST_PROJECT}/global/securityPolicies/${policy?.inputs.name}`,
    );
    expect(at(policy, "adaptiveProtectionConfig.layer7DdosDefenseConfig.enable")).toBe(true);
  });

  it("terminates TLS 1.2+ only and redirects port 80 (LB-001..003)", async () => {
    const resources = await build(() => new GlobalLoadBalancer("lb", args));
    expect(ofType(resources, "SSLPolicy")[0]?.inputs).toMatchObject({
      profile: "RESTRICTED",
      minTlsVersion: "TLS_1_2",
    });
    expect(ofType(resources, "TargetHttpsProxy")[0]?.inputs.sslPolicy).toMatch(/sslPolicies\/orion-test-tls$/);
    const rules = ofType(resources, "GlobalForwardingRule");
    expect(rules.map((r) => [r.inputs.portRange, r.inputs.loadBalancingScheme]).sort()).toEqual([
      ["443", "EXTERNAL_MANAGED"],
      ["80", "EXTERNAL_MANAGED"],
    ]);
    const redirect = ofType(resources, "URLMap").find((m) => m.inputs.defaultUrlRedirect);
    expect(at(redirect, "defaultUrlRedirect.httpsRedirect")).toBe(true);
    expect(unlabelled(resources)).toEqual([]);
  });

  it("serves static assets from a private, CMEK, versioned bucket through the CDN (GCS-001..006)", async () => {
    const resources = await build(() => new GlobalLoadBalancer("lb", args));
    expect(ofType(resources, "Bucket")[0]?.inputs).toMatchObject({
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      encryption: { defaultKmsKeyName: args.storageKeyId },
      versioning: { enabled: true },
      forceDestroy: false,
      logging: { logBucket: args.accessLogBucket },
    });
    expect(ofType(resources, "BackendBucket")[0]?.inputs.enableCdn).toBe(true);
    // Private bucket: the CDN fill agent must read it, or every asset request fails (FEAS-009).
    expect(ofType(resources, "BucketIAMMember").map((g) => [g.inputs.role, g.inputs.member])).toEqual([
      ["roles/storage.objectViewer", `serviceAccount:service-${PROJECT_NUMBER}@cloud-cdn-fill.iam.gserviceaccount.com`],
    ]);
  });

  it("refuses a domain the certificate cannot hold", async () => {
    await expect(build(() => new GlobalLoadBalancer("lb", { ...args, domain: "not a domain" }))).rejects.toThrow(
      /is not a DNS name/,
    );
  });
});
