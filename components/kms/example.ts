import { Kms } from "./index.ts";

export function example(): Kms {
  return new Kms("kms-us-central1", {
    project: "my-project",
    prefix: "orion-dev",
    region: "us-central1",
    labels: { env: "dev", owner: "platform-team", "data-classification": "internal" },
    encrypters: { sql: ["serviceAccount:service-123@gcp-sa-cloud-sql.iam.gserviceaccount.com"] },
    signers: ["serviceAccount:orion-dev-executor@my-project.iam.gserviceaccount.com"],
  });
}
