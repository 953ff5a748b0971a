import { Database } from "./index.ts";

const key = (region: string) => `projects/my-project/locations/${region}/keyRings/orion-prod-${region}/cryptoKeys/sql`;

// A primary in us-central1 and cross-region replicas, each under its own region's key.
export function example(): Database {
  return new Database("database", {
    project: "my-project",
    prefix: "orion-prod",
    primaryRegion: "us-central1",
    regions: ["us-central1", "us-east4", "us-west1"],
    keys: { "us-central1": key("us-central1"), "us-east4": key("us-east4"), "us-west1": key("us-west1") },
    networkId: "projects/my-project/global/networks/orion-prod-vpc",
    iamUsers: { api: "orion-prod-api@my-project.iam.gserviceaccount.com" },
    labels: { env: "prod", owner: "platform-team", "data-classification": "restricted" },
  });
}
