import { Network } from "./index.ts";

export function example(): Network {
  return new Network("net", {
    project: "my-project",
    prefix: "orion-dev",
    regions: ["us-central1", "us-east4"],
    cidr: "10.20.0.0/16",
    labels: { env: "dev", owner: "platform-team", "data-classification": "internal" },
  });
}
