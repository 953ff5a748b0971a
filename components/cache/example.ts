import { Cache } from "./index.ts";

const key = (purpose: string) =>
  `projects/my-project/locations/us-east4/keyRings/orion-dev-us-east4/cryptoKeys/${purpose}`;

export function example(): Cache {
  return new Cache("cache-us-east4", {
    project: "my-project",
    prefix: "orion-dev",
    region: "us-east4",
    networkId: "projects/my-project/global/networks/orion-dev-vpc",
    redisKeyId: key("redis"),
    secretsKeyId: key("secrets"),
    authReaders: ["serviceAccount:orion-dev-api@my-project.iam.gserviceaccount.com"],
    rotation: { topicId: "projects/my-project/topics/orion-dev-secret-rotation" },
    labels: { env: "dev", owner: "platform-team", "data-classification": "internal" },
  });
}
