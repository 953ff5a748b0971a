/**
 * Global setup: the run fails if any test wrote into the checkout's own .orion/ (keys, anchors, sessions, a database),
 * which is the developer's, not the tests'. Each test file has its own ORION_HOME (orion-home.ts); a path built from
 * the environment without it (env: { PATH, ... }) falls back to the checkout and is caught here. The compiled-contract
 * cache (.orion/artifacts, keyed by a hash of its inputs) is shared on purpose and not counted.
 */
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const CHECKOUT_HOME = fileURLToPath(new URL("../../.orion/", import.meta.url));
const SHARED = new Set(["artifacts"]);

/** Every file below .orion/ (but the shared cache) with its size and modification time. */
function state(): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of entries) {
      const path = join(dir, name);
      if (dir === CHECKOUT_HOME && SHARED.has(name)) continue;
      const s = statSync(path, { throwIfNoEntry: false });
      if (!s) continue;
      if (s.isDirectory()) walk(path);
      else files.set(relative(CHECKOUT_HOME, path), `${s.size}:${s.mtimeMs}`);
    }
  };
  walk(CHECKOUT_HOME);
  return files;
}

export default function setup(): () => void {
  const before = state();
  return () => {
    const written = [...state()].filter(([path, stamp]) => before.get(path) !== stamp).map(([path]) => path);
    if (written.length === 0) return;
    // Vitest reports an error thrown here but still exits 0: fail the run by its exit code.
    process.exitCode = 1;
    console.error(
      `\nFAIL the tests wrote into the checkout's .orion/ (give what wrote it the test's ORION_HOME): ${written.join(", ")}`,
    );
  };
}
