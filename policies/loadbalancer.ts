import { resourcePolicy, stackPolicy } from "./factory.ts";
import { at, isSet, isTrue, list, num, refersTo, str } from "./props.ts";
import type { OrionPolicy } from "./types.ts";

export const SSL_POLICY = "gcp:compute/sSLPolicy:SSLPolicy";
export const HTTPS_PROXY = "gcp:compute/targetHttpsProxy:TargetHttpsProxy";
export const HTTP_PROXY = "gcp:compute/targetHttpProxy:TargetHttpProxy";
export const URL_MAP = "gcp:compute/uRLMap:URLMap";
export const GLOBAL_FORWARDING_RULE = "gcp:compute/globalForwardingRule:GlobalForwardingRule";
export const BACKEND_SERVICE = "gcp:compute/backendService:BackendService";
export const SECURITY_POLICY = "gcp:compute/securityPolicy:SecurityPolicy";

/** OWASP Core Rule Set families every Cloud Armor policy must deny, plus the Log4j canary. */
export const REQUIRED_WAF_SETS = ["sqli", "xss", "lfi", "rfi", "rce", "cve-canary"] as const;

export const lbSslPolicy = () =>
  resourcePolicy({
    name: "lb-ssl-policy-modern-tls",
    description: "SSL policies must allow only TLS 1.2 or later with strong ciphers.",
    controls: ["LB-001"],
    types: [SSL_POLICY],
    check: (props, _args, report) => {
      const profile = str(props, "profile") ?? "COMPATIBLE";
      const tls = str(props, "minTlsVersion") ?? "TLS_1_0";
      const ok = profile === "RESTRICTED" || (profile === "MODERN" && (tls === "TLS_1_2" || tls === "TLS_1_3"));
      if (!ok) report("LB-001", "profile must be RESTRICTED, or MODERN with minTlsVersion TLS_1_2.");
    },
  });

export const lbHttpsProxySslPolicy = () =>
  resourcePolicy({
    name: "lb-https-proxy-ssl-policy",
    description: "HTTPS target proxies must use an SSL policy.",
    controls: ["LB-002"],
    types: [HTTPS_PROXY],
    check: (props, _args, report) => {
      if (!isSet(at(props, "sslPolicy"))) report("LB-002", "sslPolicy must be set.");
    },
  });

export const lbExternalManaged = () =>
  resourcePolicy({
    name: "lb-forwarding-rule-external-managed",
    description: "Global forwarding rules of the load balancer must use the EXTERNAL_MANAGED scheme.",
    controls: ["LB-003"],
    types: [GLOBAL_FORWARDING_RULE],
    check: (props, args, report) => {
      const target = str(props, "target") ?? "";
      // Private Service Connect endpoints for Google APIs are forwarding rules too, with no load balancer behind them.
      if (target === "all-apis" || target === "vpc-sc") return args.notApplicable("Private Service Connect endpoint");
      if (str(props, "loadBalancingScheme") !== "EXTERNAL_MANAGED") {
        report("LB-003", "loadBalancingScheme must be EXTERNAL_MANAGED.");
      }
    },
  });

export const lbHttpRedirects = () =>
  stackPolicy({
    name: "lb-http-only-redirects",
    description: "Plain-HTTP proxies must serve only a URL map that redirects to HTTPS.",
    controls: ["LB-003"],
    types: [HTTP_PROXY],
    examines: [HTTP_PROXY, URL_MAP],
    check: (resources, _args, report) => {
      const maps = resources.filter((r) => r.type === URL_MAP);
      for (const proxy of resources.filter((r) => r.type === HTTP_PROXY)) {
        const map = maps.find((m) => refersTo(at(proxy.props, "urlMap"), m));
        if (!map || !isTrue(map.props, "defaultUrlRedirect.httpsRedirect")) {
          report(
            "LB-003",
            `${proxy.name} must use a URL map whose defaultUrlRedirect.httpsRedirect is true.`,
            proxy.urn,
          );
        }
      }
    },
  });

export const lbBackendArmorAndLogging = () =>
  resourcePolicy({
    name: "lb-backend-armor-and-logging",
    description: "External backend services must sit behind Cloud Armor and log every request.",
    controls: ["LB-004", "LB-005"],
    types: [BACKEND_SERVICE],
    check: (props, _args, report) => {
      // Cloud Armor attaches only to external backends; internal ones are reached from inside the VPC.
      const external = !(str(props, "loadBalancingScheme") ?? "EXTERNAL").startsWith("INTERNAL");
      if (external && !isSet(at(props, "securityPolicy"))) report("LB-004", "securityPolicy must be set.");
      if (!isTrue(props, "logConfig.enable") || num(props, "logConfig.sampleRate") !== 1) {
        report("LB-005", "logConfig.enable must be true with sampleRate 1.");
      }
    },
  });

/** The preconfigured rule families a security policy denies in enforcing mode. */
export function deniedWafSets(props: Record<string, unknown>): Set<string> {
  const sets = new Set<string>();
  for (const rule of list(props, "rules")) {
    if (!(str(rule, "action") ?? "").startsWith("deny") || isTrue(rule, "preview")) continue;
    const expression = str(rule, "match.expr.expression") ?? "";
    for (const m of expression.matchAll(/evaluatePreconfigured(?:Waf|Expr)\(\s*'([a-z0-9-]+)'/g)) {
      const set = m[1] ?? "";
      // "sqli-v33-stable" and "sqli-stable" are both the sqli family; "cve-canary" is a family of its own.
      sets.add(set.startsWith("cve-canary") ? "cve-canary" : set.replace(/-(?:v\d+-)?(?:stable|canary)$/, ""));
    }
  }
  return sets;
}

export const lbArmorRules = () =>
  resourcePolicy({
    name: "cloud-armor-owasp-and-rate-limit",
    description:
      "Cloud Armor policies must deny the OWASP rule sets and the CVE canary, rate-limit, and run adaptive protection.",
    controls: ["LB-006", "LB-007"],
    types: [SECURITY_POLICY],
    check: (props, _args, report) => {
      const denied = deniedWafSets(props);
      const missing = REQUIRED_WAF_SETS.filter((s) => !denied.has(s));
      if (missing.length > 0) {
        report("LB-006", `rules must deny (not preview) the preconfigured sets ${missing.join(", ")}.`);
      }
      const rateBased = list(props, "rules").some(
        (r) => ["rate_based_ban", "throttle"].includes(str(r, "action") ?? "") && !isTrue(r, "preview"),
      );
      if (!rateBased) report("LB-006", "rules must include a rate-based rule (rate_based_ban or throttle).");
      if (!isTrue(props, "adaptiveProtectionConfig.layer7DdosDefenseConfig.enable")) {
        report("LB-007", "adaptiveProtectionConfig.layer7DdosDefenseConfig.enable must be true.");
      }
    },
  });

export const lbOutlierDetection = () =>
  resourcePolicy({
    name: "lb-backend-outlier-detection",
    description: "Backend services must eject a failing backend (a region) through outlier detection.",
    controls: ["LB-008"],
    types: [BACKEND_SERVICE],
    check: (props, _args, report) => {
      const o = "outlierDetection";
      if (!isSet(at(props, o)))
        report("LB-008", `${o} must be set, so a region answering errors stops getting traffic.`);
      else if ((num(props, `${o}.consecutiveErrors`) ?? 5) < 1 || !isSet(at(props, `${o}.baseEjectionTime`))) {
        report("LB-008", `${o}.consecutiveErrors must be at least 1 and ${o}.baseEjectionTime set.`);
      }
    },
  });

export function loadBalancerPolicies(): OrionPolicy[] {
  return [
    lbSslPolicy(),
    lbHttpsProxySslPolicy(),
    lbExternalManaged(),
    lbHttpRedirects(),
    lbBackendArmorAndLogging(),
    lbArmorRules(),
    lbOutlierDetection(),
  ];
}
