/**
 * The image's `/app` without docker: a temporary directory with the build context exactly as `docker build` sees it
 * (the build stage's COPY lines, less .dockerignore), the build stage's full install (this checkout's own, linked in:
 * the same lockfile, which `.ci/run` installs clean), the CLI's bundle, and then the Dockerfile's own production line
 * as written (`npm prune --omit=dev ...`). `orion dev --services --bots-from <dir>` runs the bots from it.
 */
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const run = promisify(execFile);

/** The Dockerfile as stages, each its instructions with continuation lines joined. */
export function dockerStages(): string[][] {
  const lines = readFileSync(join(ROOT, "Dockerfile"), "utf8")
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  const stages: string[][] = [];
  for (const l of lines) {
    if (/^FROM\s/i.test(l)) stages.push([]);
    stages.at(-1)?.push(l);
  }
  return stages;
}

/** The build stage's full install and its production prune (undefined when the Dockerfile has none). */
export function installLines(build: string[]): { full?: string; production?: string } {
  const full = build.find((l) => /^RUN\s+npm ci\b/.test(l));
  const production = build.find((l) => /^RUN\s+npm prune\b.*--omit=dev/.test(l));
  return { ...(full ? { full } : {}), ...(production ? { production } : {}) };
}

/** A .dockerignore pattern as a regular expression over context-relative paths ("**" spans directories). */
function ignorePattern(pattern: string): RegExp {
  const source = pattern
    .replace(/^\/+|\/+$/g, "")
    .split(/(\*\*\/|\*)/)
    .map((part) => (part === "**/" ? "(?:.*/)?" : part === "*" ? "[^/]*" : part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`);
}

/** Whether docker leaves a path out of the build context: a pattern matching it or any directory above it. */
function ignored(path: string, patterns: RegExp[]): boolean {
  const parts = path.split("/");
  return parts.some((_, i) => patterns.some((p) => p.test(parts.slice(0, i + 1).join("/"))));
}

/** Copies what the build stage's COPY lines take from the context into `dir`. */
function copyContext(copies: string[], dir: string): void {
  const patterns = readFileSync(join(ROOT, ".dockerignore"), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map(ignorePattern);
  for (const copy of copies) {
    const [, ...args] = copy.split(/\s+/);
    const sources = args.slice(0, -1);
    for (const source of sources) {
      cpSync(join(ROOT, source), join(dir, source), {
        recursive: true,
        filter: (from) => {
          const path = relative(ROOT, from);
          return path === "" || !ignored(path, patterns);
        },
      });
    }
  }
}

export interface ImageTree {
  dir: string;
  remove(): void;
}

/** Builds the image's tree in a new temporary directory (about 5 s: links, the bundle and the prune). */
export async function buildImageTree(): Promise<ImageTree> {
  const [build = []] = dockerStages();
  const { production } = installLines(build);
  if (!production) throw new Error("Dockerfile: the build stage has no `RUN npm prune --omit=dev` line");
  const dir = mkdtempSync(join(tmpdir(), "orion-image-"));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    copyContext(
      build.filter((l) => /^COPY\s/.test(l) && !l.includes("--from")),
      dir,
    );
    // Linked file by file rather than extracted again (a copy where links cannot cross file systems). npm rewrites its
    // own record of the tree, so that one file is copied, never shared with the checkout.
    const modules = join(ROOT, "node_modules");
    const target = join(dir, "node_modules");
    // A link that fails midway leaves a partial tree, into which `cp -a` would copy a second node_modules: removed first.
    await run("cp", ["-al", modules, target]).catch(async () => {
      rmSync(target, { recursive: true, force: true });
      await run("cp", ["-a", modules, target]);
    });
    rmSync(join(target, ".package-lock.json"));
    cpSync(join(modules, ".package-lock.json"), join(target, ".package-lock.json"));
    // What of `npm ci`'s prepare the bots need: the CLI's bundle (the console is the API's, served when built).
    await run(process.execPath, [join(dir, "bin/bundle.mjs")], { cwd: dir });
    const [, ...prune] = production.split(/\s+/);
    await run(prune[0] ?? "npm", prune.slice(1), { cwd: dir, timeout: 300_000 });
    return { dir, remove };
  } catch (err) {
    remove();
    throw err;
  }
}
