import { Observability } from "./index.ts";

export function example(): Observability {
  return new Observability("observability", {
    project: "my-project",
    prefix: "orion-dev",
    emails: { warning: ["dev@example.com"], critical: ["oncall@example.com"], emergency: ["oncall@example.com"] },
    domain: "api.example.com",
    replicaLagRpoSeconds: 60,
    labels: { env: "dev", owner: "platform-team", "data-classification": "internal" },
  });
}
