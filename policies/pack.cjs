/* global module */
// Pulumi's policy-pack runner loads the pack with require() and its bundled ts-node, which cannot load this repo's
// ESM TypeScript (explicit .ts imports, no build step). tsx can: register its ESM hooks, then import the entry file.
// The runner awaits what require() returns, so the import's promise is the module's export.
module.exports = import("tsx/esm/api").then(({ register }) => {
  register();
  return import("./index.ts");
});
