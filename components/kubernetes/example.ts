import { KubernetesRuntime } from "./index.ts";

export function example(): KubernetesRuntime {
  return new KubernetesRuntime("gke-us-central1", {
    project: "my-project",
    prefix: "orion-dev",
    region: "us-central1",
    networkId: "projects/my-project/global/networks/orion-dev-vpc",
    subnetId: "projects/my-project/regions/us-central1/subnetworks/orion-dev-us-central1",
    subnetCidr: "10.20.0.0/20",
    masterCidr: "172.16.0.0/28",
    gkeKeyId: "projects/my-project/locations/us-central1/keyRings/orion-dev-us-central1/cryptoKeys/gke",
    workloads: [
      {
        workload: "executor",
        image: "us-docker.pkg.dev/my-project/orion/executor:v1.2.0",
        gsaEmail: "orion-dev-executor@my-project.iam.gserviceaccount.com",
        gsaName: "projects/my-project/serviceAccounts/orion-dev-executor@my-project.iam.gserviceaccount.com",
        minReplicas: 1,
        maxReplicas: 4,
        backlogSubscription: "orion-dev-orders-executor",
        env: { ORION_REGION: "us-central1" },
      },
    ],
    labels: { env: "dev", owner: "platform-team", "data-classification": "internal" },
  });
}
