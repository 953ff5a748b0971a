import { governancePolicies } from "../governance.ts";
import { policySpec, setPath, type PolicyCase } from "./harness.ts";

const cases: PolicyCase[] = [
  {
    policy: "governance-labels",
    breaks: "no owner on a bucket",
    target: "exports",
    mutate: (i) => setPath(i, "labels.owner", undefined),
    expect: ["GOV-001"],
  },
  {
    policy: "governance-labels",
    breaks: "Cloud SQL labels in the wrong field",
    target: "pg-primary",
    mutate: (i) => {
      setPath(i, "labels", i["settings"] && (i["settings"] as Record<string, unknown>)["userLabels"]);
      setPath(i, "settings.userLabels", undefined);
    },
    expect: ["GOV-001"],
  },
  {
    policy: "governance-labels",
    breaks: "GKE without data-classification",
    target: "gke",
    mutate: (i) => setPath(i, "resourceLabels.data-classification", undefined),
    expect: ["GOV-001"],
  },
];

policySpec("governance", () => governancePolicies(), cases);
