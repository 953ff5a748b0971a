#!/usr/bin/env node
// Runs the CLI's prebuilt bundle (bin/bundle.mjs), rebuilding it first if a source changed since it was built, so a
// clean clone needs no build step before `npx orion` and `orion --help` loads no TypeScript toolchain.
import { bundleUrl, ensureBundle } from "./bundle.mjs";

let main;
try {
  main = await ensureBundle();
} catch (err) {
  // esbuild reports the first syntax error with its file and line; one line is all a user needs.
  const first = err?.errors?.[0];
  const where = first?.location ? `${first.location.file}:${first.location.line}: ` : "";
  process.stderr.write(`orion: cannot build the CLI bundle: ${where}${first?.text ?? err?.message ?? err}\n`);
  process.exit(1);
}
await import(bundleUrl(main));
