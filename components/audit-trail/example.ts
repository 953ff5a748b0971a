import { AuditTrail } from "./index.ts";

const key = (purpose: string) =>
  `projects/my-project/locations/us-central1/keyRings/orion-dev-us-central1/cryptoKeys/${purpose}`;

export function example(): AuditTrail {
  return new AuditTrail("audit", {
    project: "my-project",
    prefix: "orion-dev",
    region: "us-central1",
    storageKeyId: key("storage"),
    logsKeyId: key("logs"),
    bigqueryKeyId: key("bigquery"),
    labels: { env: "dev", owner: "platform-team", "data-classification": "internal" },
  });
}
