import { resourcePolicy } from "./factory.ts";
import { record } from "./props.ts";
import type { OrionPolicy } from "./types.ts";

/** Labelable resource types the platform uses, and the input that holds their labels. */
export const LABEL_PATHS: Readonly<Record<string, string>> = {
  "gcp:sql/databaseInstance:DatabaseInstance": "settings.userLabels",
  "gcp:redis/instance:Instance": "labels",
  "gcp:kms/cryptoKey:CryptoKey": "labels",
  "gcp:cloudrunv2/service:Service": "labels",
  "gcp:cloudrunv2/job:Job": "labels",
  "gcp:pubsub/topic:Topic": "labels",
  "gcp:pubsub/subscription:Subscription": "labels",
  "gcp:storage/bucket:Bucket": "labels",
  "gcp:secretmanager/secret:Secret": "labels",
  "gcp:container/cluster:Cluster": "resourceLabels",
  "gcp:compute/globalAddress:GlobalAddress": "labels",
  "gcp:compute/globalForwardingRule:GlobalForwardingRule": "labels",
  "gcp:compute/instance:Instance": "labels",
  "gcp:bigquery/dataset:Dataset": "labels",
  "gcp:bigquery/table:Table": "labels",
  "gcp:artifactregistry/repository:Repository": "labels",
  "gcp:monitoring/alertPolicy:AlertPolicy": "userLabels",
};
export const REQUIRED_LABELS = ["env", "owner", "data-classification"];

export const governanceLabels = () =>
  resourcePolicy({
    name: "governance-labels",
    description: "Labelable resources must carry env, owner and data-classification labels.",
    controls: ["GOV-001"],
    types: Object.keys(LABEL_PATHS),
    check: (props, args, report) => {
      const path = LABEL_PATHS[args.type] ?? "labels";
      const labels = record(props, path) ?? {};
      const missing = REQUIRED_LABELS.filter((k) => typeof labels[k] !== "string" || labels[k] === "");
      if (missing.length > 0) report("GOV-001", `${path} must include ${missing.join(", ")}.`);
    },
  });

export function governancePolicies(): OrionPolicy[] {
  return [governanceLabels()];
}
