import { loadBalancerPolicies } from "../loadbalancer.ts";
import { policySpec, setPath, type PolicyCase } from "./harness.ts";

type Rule = { action: string; preview?: boolean; match: { expr?: { expression: string } } };
const rules = (i: Record<string, unknown>) => i["rules"] as Rule[];

const cases: PolicyCase[] = [
  {
    policy: "lb-ssl-policy-modern-tls",
    breaks: "compatible profile",
    target: "tls",
    mutate: (i) => {
      setPath(i, "profile", "COMPATIBLE");
      setPath(i, "minTlsVersion", undefined);
    },
    expect: ["LB-001"],
  },
  {
    policy: "lb-ssl-policy-modern-tls",
    breaks: "modern with TLS 1.0",
    target: "tls",
    mutate: (i) => {
      setPath(i, "profile", "MODERN");
      setPath(i, "minTlsVersion", "TLS_1_0");
    },
    expect: ["LB-001"],
  },
  {
    policy: "lb-https-proxy-ssl-policy",
    breaks: "no SSL policy",
    target: "https-proxy",
    mutate: (i) => setPath(i, "sslPolicy", undefined),
    expect: ["LB-002"],
  },
  {
    policy: "lb-forwarding-rule-external-managed",
    breaks: "classic external scheme",
    target: "http-rule",
    mutate: (i) => setPath(i, "loadBalancingScheme", "EXTERNAL"),
    expect: ["LB-003"],
  },
  {
    policy: "lb-http-only-redirects",
    breaks: "port 80 serves the app",
    target: "http-proxy",
    mutate: (i) => setPath(i, "urlMap", "projects/alpha-orion-prod/global/urlMaps/ao-prod-https"),
    expect: ["LB-003"],
  },
  {
    policy: "lb-http-only-redirects",
    breaks: "redirect map not to https",
    target: "http-redirect",
    mutate: (i) => setPath(i, "defaultUrlRedirect.httpsRedirect", false),
    expect: ["LB-003"],
  },
  {
    policy: "lb-backend-armor-and-logging",
    breaks: "no Cloud Armor",
    target: "api-backend",
    mutate: (i) => setPath(i, "securityPolicy", undefined),
    expect: ["LB-004"],
  },
  {
    policy: "lb-backend-armor-and-logging",
    breaks: "sampled logging",
    target: "api-backend",
    mutate: (i) => setPath(i, "logConfig.sampleRate", 0.1),
    expect: ["LB-005"],
  },
  {
    policy: "cloud-armor-owasp-and-rate-limit",
    breaks: "sqli rule in preview",
    target: "armor",
    mutate: (i) => {
      const r = rules(i)[0];
      if (r) r.preview = true;
    },
    expect: ["LB-006"],
  },
  {
    policy: "cloud-armor-owasp-and-rate-limit",
    breaks: "no cve-canary rule",
    target: "armor",
    mutate: (i) =>
      setPath(
        i,
        "rules",
        rules(i).filter((r) => !r.match.expr?.expression.includes("cve-canary")),
      ),
    expect: ["LB-006"],
  },
  {
    policy: "cloud-armor-owasp-and-rate-limit",
    breaks: "no rate-based rule",
    target: "armor",
    mutate: (i) =>
      setPath(
        i,
        "rules",
        rules(i).filter((r) => r.action !== "rate_based_ban"),
      ),
    expect: ["LB-006"],
  },
  {
    policy: "cloud-armor-owasp-and-rate-limit",
    breaks: "adaptive protection off",
    target: "armor",
    mutate: (i) => setPath(i, "adaptiveProtectionConfig", undefined),
    expect: ["LB-007"],
  },
];

policySpec("loadbalancer", () => loadBalancerPolicies(), [
  ...cases,
  {
    policy: "lb-backend-outlier-detection",
    breaks: "a backend service that keeps sending traffic to a failing region",
    target: "api-backend",
    mutate: (i) => setPath(i, "outlierDetection", undefined),
    expect: ["LB-008"],
  },
]);
