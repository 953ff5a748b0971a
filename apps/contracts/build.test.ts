import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { contractBuilds } from "./builds.ts";
import { buildFile, buildText, compiled, compileNow, fingerprint } from "./compile.ts";

const builds = await contractBuilds();

describe("committed contract builds (apps/contracts/build/)", () => {
  // The devnet, the bots and the tests deploy these bytes without compiling: they must be what the sources compile to.
  it.each(builds.map((job) => [job.name, job] as const))(
    "%s is what its sources compile to, byte for byte (else: npm run build:contracts)",
    (_name, job) => {
      expect(readFileSync(buildFile(job), "utf8")).toBe(buildText(job, compileNow(job)));
    },
    300_000,
  );

  it("an edited source is not served the committed build", async () => {
    const [own] = builds;
    if (!own) throw new Error("no contract builds");
    const source = Object.keys(own.sources)[0] as string;
    const edited = {
      ...own,
      sources: { ...own.sources, [source]: { content: `${own.sources[source]?.content}\n// edited\n` } },
    };
    expect(fingerprint(edited)).not.toBe(fingerprint(own));
    // The committed file names the inputs it was built from; an edited job misses it and would compile.
    const committed = JSON.parse(readFileSync(buildFile(own), "utf8")) as { fingerprint: string };
    expect(committed.fingerprint).toBe(fingerprint(own));
    expect(committed.fingerprint).not.toBe(fingerprint(edited));
    expect(Object.keys(await compiled(own))).toContain("ArbExecutor");
  });
});
