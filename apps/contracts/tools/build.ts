// Compiles every contract build and writes it into apps/contracts/build/ (`npm run build:contracts`, after editing a
// Solidity source or updating solc or the Balancer packages); apps/contracts/build.test.ts fails until it is rerun.
import { writeFileSync } from "node:fs";
import { relative } from "node:path";
import { contractBuilds } from "../builds.ts";
import { buildFile, buildText, compileNow } from "../compile.ts";

for (const job of await contractBuilds()) {
  const file = buildFile(job);
  writeFileSync(file, buildText(job, compileNow(job)));
  process.stdout.write(`${relative(process.cwd(), file)}\n`);
}
