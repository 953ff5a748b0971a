import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { TestSpecification, Vitest } from "vitest/node";
import SlowestFirst from "./slowest-first.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Just what the sequencer reads of vitest: no cached results or sizes, one project. */
const ctx = {
  config: { root: ROOT, shard: { index: 1, count: 1 } },
  cache: { getFileTestResults: () => undefined, getFileStats: () => undefined },
} as unknown as Vitest;
const project = { name: "", config: { root: ROOT, isolate: true, sequence: { groupOrder: 0 } } };
const spec = (path: string) => ({ moduleId: join(ROOT, path), project }) as unknown as TestSpecification;
const order = async (paths: string[]) =>
  (await new SlowestFirst(ctx).sort(paths.map(spec))).map((s) => s.moduleId.slice(ROOT.length));

describe("the file order", () => {
  it("starts the measured slow files first, longest first, an e2e file alternating with another", async () => {
    expect(
      await order([
        "apps/new/unmeasured.test.ts",
        "apps/cli/commands/plan.test.ts",
        "apps/platform/dev.e2e.test.ts",
        "test/image.test.ts",
        "apps/platform/services-erc4337.e2e.test.ts",
        "apps/platform/services.e2e.test.ts",
      ]),
    ).toEqual([
      "apps/platform/services-erc4337.e2e.test.ts",
      "test/image.test.ts",
      "apps/platform/services.e2e.test.ts",
      "apps/cli/commands/plan.test.ts",
      "apps/platform/dev.e2e.test.ts",
      "apps/new/unmeasured.test.ts",
    ]);
  });
});
