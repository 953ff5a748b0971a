import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mandatoryConfig } from "../config.ts";
import { evaluate } from "../evaluator/evaluate.ts";
import { buildPack } from "../packs.ts";
import { clean, compliantStack, type FixtureResource } from "./fixtures/stack.ts";
import { PROD_SETTINGS, setPath, toEvalResources } from "./harness.ts";

const pack = buildPack("all", mandatoryConfig({ settings: PROD_SETTINGS }));
const fixtures = compliantStack();

/** Every dotted path to a value inside the inputs (array indices included). */
function paths(value: unknown, prefix = ""): string[] {
  if (value === null || typeof value !== "object") return prefix ? [prefix] : [];
  const own = prefix ? [prefix] : [];
  return [...own, ...Object.entries(value).flatMap(([k, v]) => paths(v, prefix ? `${prefix}.${k}` : k))];
}

describe("policies on malformed state", () => {
  it("never throw, whatever value sits at any property of any resource (a finding at most)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            resource: fc.nat(fixtures.length - 1),
            pathSeed: fc.nat(),
            value: fc.jsonValue({ maxDepth: 3 }),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        async (edits) => {
          const stack: FixtureResource[] = fixtures.map((f) => ({ ...f, inputs: clean(f.inputs) }));
          for (const { resource, pathSeed, value } of edits) {
            const target = stack[resource];
            if (!target) continue;
            const candidates = paths(target.inputs);
            const path = candidates[pathSeed % Math.max(candidates.length, 1)] ?? "extra";
            setPath(target.inputs, path, value);
          }
          const evaluation = await evaluate(pack.policies, toEvalResources(stack), {
            policyPackName: "t",
            policyPackVersion: "1",
          });
          for (const f of evaluation.findings) expect(f.diagnostic.message).toMatch(/^[A-Z]/);
        },
      ),
      { numRuns: 150 },
    );
  });
});
