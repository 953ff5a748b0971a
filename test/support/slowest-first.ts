/**
 * The order test files start in. Three workers share two cores: a long file that starts last leaves one core idle to
 * the end, and two end-to-end sessions side by side (a dozen processes on fixed block deadlines) slow each other. So
 * the files known to be slow (file-seconds.json: seconds per file, measured) start first, longest first, end-to-end
 * files alternating with the others so that one of each tends to run at a time; the rest follow in vitest's order.
 * Regenerate the table from `vitest run --reporter=json` when the slow files change; a stale one only orders worse.
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

const SECONDS = JSON.parse(readFileSync(new URL("./file-seconds.json", import.meta.url), "utf8")) as Record<
  string,
  number
>;

/** The order for these measured seconds per file (relative to the project's root; unmeasured files count 0). */
export function slowestFirst(
  base: readonly TestSpecification[],
  table: Readonly<Record<string, number>>,
): TestSpecification[] {
  const seconds = (f: TestSpecification) => table[relative(f.project.config.root, f.moduleId)] ?? 0;
  const slow = base.filter((f) => seconds(f) > 0).sort((a, b) => seconds(b) - seconds(a));
  const e2e = slow.filter((f) => f.moduleId.endsWith(".e2e.test.ts"));
  const others = slow.filter((f) => !f.moduleId.endsWith(".e2e.test.ts"));
  const alternated: TestSpecification[] = [];
  for (let i = 0; i < Math.max(e2e.length, others.length); i++) {
    if (e2e[i]) alternated.push(e2e[i]!);
    if (others[i]) alternated.push(others[i]!);
  }
  return [...alternated, ...base.filter((f) => seconds(f) === 0)];
}

export default class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return slowestFirst(await super.sort(files), SECONDS);
  }
}
