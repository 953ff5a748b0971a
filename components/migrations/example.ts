import { Migrations } from "./index.ts";

// The schema job of a stack whose primary is in us-central1: the bots' three IAM users become members of orion_app.
export function example(): Migrations {
  return new Migrations("migrations", {
    project: "my-project",
    prefix: "orion-dev",
    region: "us-central1",
    image: "us-docker.pkg.dev/my-project/orion/orion:v1.2.0",
    serviceAccountEmail: "orion-dev-migrate@my-project.iam.gserviceaccount.com",
    runKeyId: "projects/my-project/locations/us-central1/keyRings/orion-dev-us-central1/cryptoKeys/run",
    networkId: "projects/my-project/global/networks/orion-dev-vpc",
    subnetId: "projects/my-project/regions/us-central1/subnetworks/orion-dev-us-central1",
    instance: "my-project:us-central1:orion-dev-pg-us-central1",
    databaseUser: "orion-dev-migrate@my-project.iam",
    appRoles: [
      "orion-dev-orchestrator@my-project.iam",
      "orion-dev-executor@my-project.iam",
      "orion-dev-api@my-project.iam",
    ],
    labels: { env: "dev", owner: "platform-team", "data-classification": "internal" },
  });
}
