import { Perimeter } from "./index.ts";

export function example(): Perimeter {
  return new Perimeter("perimeter", {
    project: "my-project",
    prefix: "orion-prod",
    accessPolicy: "accessPolicies/123456789012",
    ciMembers: [
      "serviceAccount:orion-prod-deployer@my-project.iam.gserviceaccount.com",
      "serviceAccount:orion-prod-previewer@my-project.iam.gserviceaccount.com",
    ],
    operators: ["user:sre-lead@example.com"],
  });
}
