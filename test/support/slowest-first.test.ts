import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { TestSpecification, Vitest } from "vitest/node";
import SlowestFirst, { slowestFirst } from "./slowest-first.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Just what the sequencer reads of vitest: no cached results or sizes, one project. */
const ctx = {
  config: { root: ROOT, shard: { index: 1, count: 1 } },
  cache: { getFileTestResults: () => undefined, getFileStats: () => undefined },
} as unknown as Vitest;
const project = { name: "", config: { root: ROOT, isolate: true, sequence: { groupOrder: 0 } } };
const spec = (path: string) => ({ moduleId: join(ROOT, path), project }) as unknown as TestSpecification;
const order = (paths: string[], seconds: Record<string, number>) =>
  slowestFirst(paths.map(spec), seconds).map((s) => s.moduleId.slice(ROOT.length));

describe("the file order", () => {
  it("starts the measured slow files first, longest first, an e2e file alternating with another", () => {
    expect(
      order(
        [
          "apps/new/unmeasured.test.ts",
          "apps/cli/commands/plan.test.ts",
          "apps/platform/dev.e2e.test.ts",
          "test/image.test.ts",
          "apps/platform/services-erc4337.e2e.test.ts",
          "apps/platform/services.e2e.test.ts",
        ],
        {
          "apps/platform/services-erc4337.e2e.test.ts": 87,
          "test/image.test.ts": 62,
          "apps/platform/services.e2e.test.ts": 46,
          "apps/cli/commands/plan.test.ts": 14,
          "apps/platform/dev.e2e.test.ts": 40,
        },
      ),
    ).toEqual([
      "apps/platform/services-erc4337.e2e.test.ts",
      "test/image.test.ts",
      "apps/platform/services.e2e.test.ts",
      "apps/cli/commands/plan.test.ts",
      "apps/platform/dev.e2e.test.ts",
      "apps/new/unmeasured.test.ts",
    ]);
  });

  it("the table in file-seconds.json orders the suite: each measured file is found, and the slowest starts first", async () => {
    const ordered = (
      await new SlowestFirst(ctx).sort(["apps/new/unmeasured.test.ts", "test/image.e2e.test.ts"].map(spec))
    ).map((s) => s.moduleId.slice(ROOT.length));
    expect(ordered).toEqual(["test/image.e2e.test.ts", "apps/new/unmeasured.test.ts"]);
  });
});
