import { describe, expect, it } from "vitest";
import { runOffline } from "../components/common/offline.ts";
import { captureStack } from "./offline/capture.ts";
import { readStackFile } from "./offline/stack-file.ts";

describe("stacks/index.ts (the program `pulumi up` runs)", () => {
  it("reads the stack's config from Pulumi and builds the same platform as the offline plan", async () => {
    const { config } = await readStackFile("dev");
    // Pulumi hands every config value to the program as a string, objects as JSON text.
    const asPulumiGivesIt = Object.fromEntries(
      Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
    );
    const resources = await runOffline(
      { project: "alpha-orion", stack: "dev", gcpProject: "alpha-orion-dev", config: asPulumiGivesIt },
      async () => {
        await import("./index.ts");
      },
    );
    const plan = await captureStack("dev");
    expect(resources.map((r) => `${r.type} ${r.name}`).sort()).toEqual(
      plan.resources
        .filter((r) => r.type !== "pulumi:pulumi:Stack")
        .map((r) => `${r.type} ${r.name}`)
        .sort(),
    );
  });
});
