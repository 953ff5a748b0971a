import { GlobalLoadBalancer } from "./index.ts";

export function example(): GlobalLoadBalancer {
  return new GlobalLoadBalancer("lb", {
    project: "my-project",
    prefix: "orion-dev",
    domain: "api.example.com",
    apiServices: { "us-central1": "orion-dev-api-us-central1", "us-east4": "orion-dev-api-us-east4" },
    assetsRegion: "us-central1",
    storageKeyId: "projects/my-project/locations/us-central1/keyRings/orion-dev-us-central1/cryptoKeys/storage",
    accessLogBucket: "my-project-orion-dev-access-logs",
    armor: { requestsPerMinute: 300 },
    labels: { env: "dev", owner: "platform-team", "data-classification": "internal" },
  });
}
