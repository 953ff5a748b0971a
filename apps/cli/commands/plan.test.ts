import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { orionInProcess } from "../../../test/support/orion-in-process.ts";

const run = promisify(execFile);
const root = new URL("../../../", import.meta.url);
const bin = new URL("bin/orion.mjs", root).pathname;

async function orion(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run("node", [bin, ...args], { cwd: root.pathname, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// The offline-plan contract of DESIGN.md.
const planSchema = z
  .object({
    stack: z.string(),
    project: z.string(),
    resources: z.array(
      z
        .object({
          urn: z.string().startsWith("urn:pulumi:"),
          type: z.string(),
          name: z.string(),
          parent: z.string().nullable(),
          custom: z.boolean(),
          protect: z.boolean(),
          inputs: z.record(z.unknown()),
        })
        .strict(),
    ),
    summary: z.object({ resources: z.number().int(), byType: z.record(z.number().int()) }).strict(),
  })
  .strict();

// One run of the real binary (the bundle, a large JSON document flushed before the exit); the rest in this process.
describe("orion plan", () => {
  it("--json prints the plan contract for prod", async () => {
    const { code, stdout } = await orion("plan", "--stack", "prod", "--json");
    expect(code).toBe(0);
    const plan = planSchema.parse(JSON.parse(stdout));
    expect(plan.stack).toBe("prod");
    expect(plan.project).toBe("alpha-orion");
    expect(plan.summary.resources).toBe(plan.resources.length);
    expect(plan.summary.byType["gcp:sql/databaseInstance:DatabaseInstance"]).toBe(3);
    expect(plan.summary.byType["gcp:cloudrunv2/service:Service"]).toBe(12);
    expect(plan.summary.byType["gcp:redis/instance:Instance"]).toBe(3);
    expect(plan.summary.byType["gcp:compute/regionNetworkEndpointGroup:RegionNetworkEndpointGroup"]).toBe(3);
    expect(Object.values(plan.summary.byType).reduce((a, b) => a + b, 0)).toBe(plan.resources.length);
    expect(plan.resources.filter((r) => r.type === "gcp:kms/cryptoKey:CryptoKey").every((r) => r.protect)).toBe(true);
  });

  it("lists by region and component for people", async () => {
    const { code, stdout } = await orionInProcess(["plan", "--stack", "staging"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Stack staging \(project alpha-orion\): \d+ resources\n/);
    expect(stdout).toMatch(/\nus-central1 \(\d+\)\n/);
    expect(stdout).toMatch(/\nus-east4 \(\d+\)\n/);
    expect(stdout).toMatch(/\nglobal \(\d+\)\n/);
    expect(stdout).toMatch(/alpha-orion:platform:Database\n\s+1 {2}gcp:sql\/databaseInstance:DatabaseInstance/);
    expect(stdout).toMatch(/\nBy type:\n/);
  });

  it("exits 2 with one line for an unknown stack", async () => {
    const { code, stdout, stderr } = await orionInProcess(["plan", "--stack", "nosuchstack"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      'orion: stacks/Pulumi.nosuchstack.yaml: no such stack file: stack "nosuchstack" does not exist\n',
    );
  });

  it("exits 2 naming the file and key of a bad config", async () => {
    const stack = `badcfg-${randomBytes(3).toString("hex")}`;
    const file = new URL(`stacks/Pulumi.${stack}.yaml`, root);
    await writeFile(file, "config:\n  gcp:project: alpha-orion-dev\n  alpha-orion:environment: qa\n");
    try {
      const { code, stderr } = await orionInProcess(["plan", "--stack", stack, "--json"]);
      expect(code).toBe(2);
      expect(stderr).toMatch(
        new RegExp(`^orion: stacks/Pulumi.${stack}.yaml: alpha-orion:environment: Invalid enum value.*\\n$`),
      );
      expect(stderr.trim().split("\n")).toHaveLength(1);
    } finally {
      await rm(file, { force: true });
    }
  });
});
