// The pack's own dependencies, pinned at the repository's versions, and its npm-shrinkwrap.json (published with it,
// so `npm install` of the pack installs exactly those): `npm run policy-pack-lock` after package-lock.json changes.
// policies/tests/package.test.ts fails while either differs from what this writes.
import { readFileSync, writeFileSync } from "node:fs";
import { pinnedDependencies, subsetLockfile, type Lockfile } from "./lockfile.ts";

const root = JSON.parse(readFileSync(new URL("../../package-lock.json", import.meta.url), "utf8")) as Lockfile;
const pkgFile = new URL("../package.json", import.meta.url);
const pkg = JSON.parse(readFileSync(pkgFile, "utf8")) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
};
pkg.dependencies = pinnedDependencies(root, Object.keys(pkg.dependencies));
writeFileSync(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
writeFileSync(
  new URL("../npm-shrinkwrap.json", import.meta.url),
  `${JSON.stringify(subsetLockfile(root, pkg), null, 2)}\n`,
);
process.stdout.write("policies/package.json\npolicies/npm-shrinkwrap.json\n");
