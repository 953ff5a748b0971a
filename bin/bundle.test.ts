import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const run = promisify(execFile);

// A miniature checkout: the real bin/, the real node_modules, and a two-file CLI whose output says which source
// built it and where it thinks it lives.
let dir = "";
const orion = async () => (await run(process.execPath, [join(dir, "bin/orion.mjs")], { cwd: dir })).stdout;
const writeGreeting = (text: string) =>
  writeFile(join(dir, "apps/cli/greeting.ts"), `export const greeting: string = ${JSON.stringify(text)};\n`);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "orion-bundle-"));
  await cp(join(ROOT, "bin"), join(dir, "bin"), { recursive: true });
  await symlink(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  await mkdir(join(dir, "apps/cli"), { recursive: true });
  await writeFile(join(dir, "apps/cli/data.txt"), "beside the source\n");
  await writeFile(
    join(dir, "apps/cli/main.ts"),
    [
      'import { readFileSync } from "node:fs";',
      'import { greeting } from "./greeting.ts";',
      'const data = readFileSync(new URL("./data.txt", import.meta.url), "utf8").trim();',
      "process.stdout.write(`${greeting} | ${data}\\n`);",
    ].join("\n"),
  );
  await writeGreeting("first");
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the CLI bundle", () => {
  it("is built on first use; a source's own location still resolves to the source's directory", async () => {
    expect(await orion()).toBe("first | beside the source\n");
  }, 60_000);

  it("is reused while its sources are unchanged, and rebuilt once one changed, so an edit is never ignored", async () => {
    const build = async () => JSON.parse(await readFile(join(dir, "dist/cli/current.json"), "utf8")).build as string;
    const first = await build();
    expect(await orion()).toBe("first | beside the source\n");
    expect(await build()).toBe(first);
    await writeGreeting("second");
    expect(await orion()).toBe("second | beside the source\n");
    expect(await build()).not.toBe(first);
  }, 60_000);

  it("a syntax error is one line naming the file, exit 1", async () => {
    await writeFile(join(dir, "apps/cli/greeting.ts"), "export const greeting = ;\n");
    const err = (await orion().catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/^orion: cannot build the CLI bundle: apps\/cli\/greeting\.ts:1: /);
    expect(err.stderr.trim().split("\n")).toHaveLength(1);
  }, 60_000);
});
