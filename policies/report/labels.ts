import type { Framework } from "../types.ts";

export const FRAMEWORK_LABEL: Record<Framework, string> = {
  soc2: "SOC 2",
  "pci-dss-4.0": "PCI DSS 4.0",
  "cis-gcp-3.0": "CIS GCP 3.0",
};

export const STATUS_LABEL = { pass: "PASS", fail: "FAIL", "not-applicable": "N/A" } as const;
