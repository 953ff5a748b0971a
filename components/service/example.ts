import { Service } from "./index.ts";

// The API behind the load balancer, rolling out a canary: 10% to the newest revision, tagged "canary".
export function example(): Service {
  return new Service("api-us-central1", {
    project: "my-project",
    prefix: "orion-dev",
    region: "us-central1",
    workload: "api",
    image: "us-docker.pkg.dev/my-project/orion/api:v1.2.0",
    serviceAccountEmail: "orion-dev-api@my-project.iam.gserviceaccount.com",
    runKeyId: "projects/my-project/locations/us-central1/keyRings/orion-dev-us-central1/cryptoKeys/run",
    networkId: "projects/my-project/global/networks/orion-dev-vpc",
    subnetId: "projects/my-project/regions/us-central1/subnetworks/orion-dev-us-central1",
    scaling: { min: 1, max: 5 },
    rollout: { strategy: "canary", stableRevision: "orion-dev-api-us-central1-00041-abc", canaryPercent: 10 },
    env: { ORION_REGION: "us-central1" },
    secretEnv: { ORION_KEYS: { secret: "orion-dev-api-session-secret", version: "3" } },
    public: true,
    labels: { env: "dev", owner: "platform-team", "data-classification": "internal" },
  });
}
