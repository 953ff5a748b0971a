import { Messaging } from "./index.ts";

export function example(): Messaging {
  return new Messaging("messaging", {
    project: "my-project",
    prefix: "orion-dev",
    regions: ["us-central1"],
    pubsubKeyId: "projects/my-project/locations/us-central1/keyRings/orion-dev-us-central1/cryptoKeys/pubsub",
    pubsubAgent: "serviceAccount:service-123@gcp-sa-pubsub.iam.gserviceaccount.com",
    rotationHandlers: ["group:platform-oncall@example.com"],
    labels: { env: "dev", owner: "platform-team", "data-classification": "internal" },
  });
}
