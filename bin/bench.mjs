#!/usr/bin/env node
// Runs every bench/*.bench.ts in its own process (fresh heap, so memory figures are its own).
// Each benchmark prints one JSON object per line on stdout; `npm run bench -- scan` runs only names containing "scan".
// `npm run bench -- --check` is the performance gate instead (bench/gate/check.ts): ratios against a committed baseline.
import { readdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL("../bench/", import.meta.url));
const args = process.argv.slice(2);
if (args.includes("--check")) {
  const gate = spawnSync(process.execPath, ["--import", "tsx", dir + "gate/check.ts", ...args], { stdio: "inherit" });
  process.exit(gate.status ?? 1);
}
const filter = args[0] ?? "";
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts") && f.includes(filter))
  .sort();
if (files.length === 0) {
  process.stderr.write(`bench: no bench/*.bench.ts matches "${filter}"\n`);
  process.exit(2);
}
let failed = 0;
for (const file of files) {
  process.stderr.write(`bench: ${file}\n`);
  const run = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", dir + file], { stdio: "inherit" });
  if (run.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
