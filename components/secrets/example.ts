import { Secrets } from "./index.ts";

const sa = (bot: string) => `serviceAccount:orion-dev-${bot}@my-project.iam.gserviceaccount.com`;

export function example(): Secrets {
  return new Secrets("secrets", {
    project: "my-project",
    prefix: "orion-dev",
    keys: {
      "us-central1": "projects/my-project/locations/us-central1/keyRings/orion-dev-us-central1/cryptoKeys/secrets",
    },
    members: { scanner: sa("scanner"), orchestrator: sa("orchestrator"), executor: sa("executor"), api: sa("api") },
    secretManagerAgent: "serviceAccount:service-123@gcp-sa-secretmanager.iam.gserviceaccount.com",
    rotationTopicId: "projects/my-project/topics/orion-dev-secret-rotation",
    versions: { "rpc-urls": 1, "api-session-secret": 1 },
    labels: { env: "dev", owner: "platform-team", "data-classification": "internal" },
  });
}
