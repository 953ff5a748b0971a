import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { generatedFiles } from "./files.ts";

// Rewrites every generated file; observability.test.ts fails while a committed file differs from its generator.
for (const [path, content] of Object.entries(generatedFiles())) {
  await writeFile(fileURLToPath(new URL(path, import.meta.url)), content);
  process.stdout.write(`wrote observability/${path}\n`);
}
