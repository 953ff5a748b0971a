import { Identity } from "./index.ts";

export function example(): Identity {
  return new Identity("identity", { project: "my-project", prefix: "orion-dev", githubRepository: "acme/alpha-orion" });
}
