import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normalizeValue, REDACTED, UNKNOWN } from "../evaluator/normalize.ts";
import { parseUrn } from "../evaluator/resource.ts";
import { readStackExport } from "../evaluator/sources/export.ts";
import { readPreview } from "../evaluator/sources/preview.ts";
import { encryptedSecret, shownSecret, SIG } from "./fixtures/formats.ts";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "orion-sources-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const urn = (type: string, name: string) => `urn:pulumi:staging::alpha-orion::${type}::${name}`;

describe("normalizing state values", () => {
  it("hides secrets whether encrypted or shown, resolves references and output values", () => {
    expect(normalizeValue({ a: encryptedSecret("x"), b: [shownSecret("hunter2")] })).toEqual({
      a: REDACTED,
      b: [REDACTED],
    });
    expect(normalizeValue({ [SIG]: "5cf8f73096256a8f31e491e813e4eb8e", urn: "urn:x", id: "projects/p/x" })).toBe(
      "projects/p/x",
    );
    expect(normalizeValue({ [SIG]: "5cf8f73096256a8f31e491e813e4eb8e", urn: "urn:x", id: "" })).toBe("urn:x");
    expect(normalizeValue({ [SIG]: "d0e6a833031e9bbcd3f4e8bde6ca49a4", value: 3 })).toBe(3);
    expect(normalizeValue({ [SIG]: "d0e6a833031e9bbcd3f4e8bde6ca49a4" })).toBe(UNKNOWN);
    expect(normalizeValue({ [SIG]: "d0e6a833031e9bbcd3f4e8bde6ca49a4", value: "s", secret: true })).toBe(REDACTED);
  });

  it("splits URNs, names with '::' included", () => {
    expect(parseUrn("urn:pulumi:prod::alpha-orion::orion:Platform$gcp:sql/user:User::a::b")).toEqual({
      stack: "prod",
      project: "alpha-orion",
      name: "a::b",
    });
    expect(parseUrn("not-a-urn")).toBeUndefined();
  });
});

describe("a `pulumi stack export` file", () => {
  it("keeps custom resources and components, drops pending deletes, gives stack policies the outputs", async () => {
    const file = join(dir, "export.json");
    const doc = {
      version: 3,
      deployment: {
        manifest: { time: "2026-11-20T09:15:41Z", magic: "m", version: "v3.208.0" },
        resources: [
          { urn: urn("pulumi:pulumi:Stack", "alpha-orion-staging"), custom: false, type: "pulumi:pulumi:Stack" },
          {
            urn: urn("gcp:redis/instance:Instance", "cache"),
            custom: true,
            type: "gcp:redis/instance:Instance",
            inputs: { authEnabled: true },
            outputs: { authEnabled: true, authString: encryptedSecret("a") },
            protect: true,
            parent: urn("pulumi:pulumi:Stack", "alpha-orion-staging"),
          },
          {
            urn: urn("gcp:storage/bucket:Bucket", "old"),
            custom: true,
            type: "gcp:storage/bucket:Bucket",
            inputs: {},
            delete: true,
          },
          {
            urn: urn("gcp:compute/network:Network", "default"),
            custom: true,
            type: "gcp:compute/network:Network",
            external: true,
            outputs: { name: "default" },
          },
        ],
      },
    };
    await writeFile(file, JSON.stringify(doc));
    const source = await readStackExport(file);
    expect(source).toMatchObject({ kind: "export", stack: "staging", project: "alpha-orion", file });
    expect(source.resources.map((r) => r.name)).toEqual(["alpha-orion-staging", "cache", "default"]);
    expect(source.resources[2]).toMatchObject({ external: true, inputs: {}, outputs: { name: "default" } });
    const cache = source.resources[1];
    expect(cache).toMatchObject({
      custom: true,
      protect: true,
      inputs: { authEnabled: true },
      outputs: { authEnabled: true, authString: REDACTED },
    });
  });
});

describe("a `pulumi preview --json` file", () => {
  it("takes each step's new state, the last one for a replacement, none for deletes", async () => {
    const file = join(dir, "preview.json");
    const state = (name: string, inputs: Record<string, unknown>) => ({
      urn: urn("gcp:pubsub/topic:Topic", name),
      custom: true,
      type: "gcp:pubsub/topic:Topic",
      inputs,
    });
    const doc = {
      steps: [
        { op: "same", urn: urn("gcp:pubsub/topic:Topic", "a"), newState: state("a", { kmsKeyName: "k1" }) },
        {
          op: "create-replacement",
          urn: urn("gcp:pubsub/topic:Topic", "b"),
          newState: state("b", { kmsKeyName: UNKNOWN }),
        },
        { op: "replace", urn: urn("gcp:pubsub/topic:Topic", "b"), newState: state("b", { kmsKeyName: "k2" }) },
        { op: "delete-replaced", urn: urn("gcp:pubsub/topic:Topic", "b"), oldState: state("b", {}) },
        { op: "delete", urn: urn("gcp:pubsub/topic:Topic", "c"), oldState: state("c", {}) },
      ],
      changeSummary: { same: 1, replace: 1, delete: 1 },
    };
    await writeFile(file, JSON.stringify(doc));
    const source = await readPreview(file);
    expect(source.resources.map((r) => [r.name, r.inputs["kmsKeyName"]])).toEqual([
      ["a", "k1"],
      ["b", "k2"],
    ]);
    expect(source.stack).toBe("staging");
  });

  it("refuses a step whose custom new state has no inputs", async () => {
    const file = join(dir, "no-inputs.json");
    await writeFile(
      file,
      JSON.stringify({
        steps: [
          {
            op: "create",
            urn: "urn:pulumi:s::p::t::n",
            newState: { urn: "urn:pulumi:s::p::t::n", custom: true, type: "t" },
          },
        ],
      }),
    );
    await expect(readPreview(file)).rejects.toThrow(
      /no-inputs\.json: steps\[0\]\.newState \(urn:pulumi:s::p::t::n\): custom resource has no inputs/,
    );
  });
});
