// Writes policies/pack-config/<stack>.json for every policies/config/<stack>.json: the stack's enforcement levels and
// settings in the format `pulumi preview --policy-pack-config` reads (`npm run policy-pack-config`). The pack-config
// test fails while a written file differs from its stack's configuration.
import { readdirSync, writeFileSync } from "node:fs";
import * as prettier from "prettier";
import { stackPolicyPackConfigFile } from "../pack-config.ts";

const configDir = new URL("../config/", import.meta.url);
const outDir = new URL("../pack-config/", import.meta.url);
for (const stack of readdirSync(configDir)
  .filter((f) => f.endsWith(".json"))
  .map((f) => f.slice(0, -".json".length))
  .sort()) {
  const out = new URL(`${stack}.json`, outDir);
  const options = (await prettier.resolveConfig(out)) ?? {};
  const text = await prettier.format(JSON.stringify(stackPolicyPackConfigFile(stack)), { ...options, parser: "json" });
  writeFileSync(out, text);
  process.stdout.write(`policies/pack-config/${stack}.json\n`);
}
