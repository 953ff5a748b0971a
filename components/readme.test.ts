import { readdir, readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { build } from "./common/test-helpers.ts";

// Fabric-style: each component's README example is a real file, run here, so the documentation cannot rot.
const root = new URL("./", import.meta.url);
const folders = (await readdir(root, { withFileTypes: true }))
  .filter((d) => d.isDirectory() && d.name !== "common")
  .map((d) => d.name)
  .sort();

describe.each(folders)("components/%s/README.md", (folder) => {
  it("shows example.ts verbatim and states what it creates", async () => {
    const readme = await readFile(new URL(`${folder}/README.md`, root), "utf8");
    const example = await readFile(new URL(`${folder}/example.ts`, root), "utf8");
    const block = /```ts\n([\s\S]*?)\n```/.exec(readme)?.[1];
    expect(block).toBe(example.trimEnd());
    const stated = Number(/<!-- resources: (\d+) -->/.exec(readme)?.[1]);
    const mod = (await import(`./${folder}/example.ts`)) as { example: () => unknown };
    const resources = await build(() => {
      mod.example();
    });
    expect(resources.length).toBe(stated);
  });
});
