/** OWASP CRS 3.3 preconfigured WAF rule sets plus Google's CVE canary (LB-006). */
export const WAF_RULE_SETS = [
  "sqli-v33-stable",
  "xss-v33-stable",
  "lfi-v33-stable",
  "rfi-v33-stable",
  "rce-v33-stable",
  "methodenforcement-v33-stable",
  "scannerdetection-v33-stable",
  "protocolattack-v33-stable",
  "sessionfixation-v33-stable",
  "php-v33-stable",
  "cve-canary",
] as const;

export interface ArmorRule {
  priority: number;
  description: string;
  action: string;
  preview: boolean;
  match: { expr: { expression: string } } | { versionedExpr: "SRC_IPS_V1"; config: { srcIpRanges: string[] } };
  rateLimitOptions?: {
    conformAction: "allow";
    exceedAction: "deny(429)";
    enforceOnKey: "IP";
    rateLimitThreshold: { count: number; intervalSec: number };
  };
}

export interface ArmorOptions {
  /** Requests per IP per minute before 429s. Default 600. */
  requestsPerMinute?: number;
  /** WAF sensitivity 1..4: 1 blocks the high-confidence signatures only. Default 1. */
  sensitivity?: number;
}

/** WAF denies first (priority 1000+), then the per-IP rate limit, then the default allow. None is in preview. */
export function armorRules(options: ArmorOptions = {}): ArmorRule[] {
  const sensitivity = options.sensitivity ?? 1;
  const rpm = options.requestsPerMinute ?? 600;
  if (!Number.isInteger(sensitivity) || sensitivity < 1 || sensitivity > 4) {
    throw new Error(`sensitivity must be 1..4, got ${sensitivity}`);
  }
  if (!Number.isInteger(rpm) || rpm < 10) throw new Error(`requestsPerMinute must be an integer >= 10, got ${rpm}`);
  const waf: ArmorRule[] = WAF_RULE_SETS.map((set, i) => ({
    priority: 1000 + i * 10,
    description: `OWASP CRS: ${set}`,
    action: "deny(403)",
    preview: false,
    match: {
      expr: {
        expression:
          set === "cve-canary"
            ? "evaluatePreconfiguredWaf('cve-canary')"
            : `evaluatePreconfiguredWaf('${set}', {'sensitivity': ${sensitivity}})`,
      },
    },
  }));
  return [
    ...waf,
    {
      priority: 2000,
      description: `rate limit: ${rpm} requests per IP per minute`,
      action: "throttle",
      preview: false,
      match: { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: ["*"] } },
      rateLimitOptions: {
        conformAction: "allow",
        exceedAction: "deny(429)",
        enforceOnKey: "IP",
        rateLimitThreshold: { count: rpm, intervalSec: 60 },
      },
    },
    {
      priority: 2147483647,
      description: "default: allow what passed the rules above",
      action: "allow",
      preview: false,
      match: { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: ["*"] } },
    },
  ];
}
