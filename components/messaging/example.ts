import { Messaging } from "./index.ts";

const sa = (bot: string) => `serviceAccount:orion-dev-${bot}@my-project.iam.gserviceaccount.com`;
const key = (purpose: string) =>
  `projects/my-project/locations/us-central1/keyRings/orion-dev-us-central1/cryptoKeys/${purpose}`;

export function example(): Messaging {
  return new Messaging("messaging", {
    project: "my-project",
    prefix: "orion-dev",
    regions: ["us-central1"],
    homeRegion: "us-central1",
    pubsubKeyId: key("pubsub"),
    bigqueryKeyId: key("bigquery"),
    pubsubAgent: "serviceAccount:service-123@gcp-sa-pubsub.iam.gserviceaccount.com",
    members: { scanner: sa("scanner"), orchestrator: sa("orchestrator"), executor: sa("executor"), api: sa("api") },
    labels: { env: "dev", owner: "platform-team", "data-classification": "internal" },
  });
}
