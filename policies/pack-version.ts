import { readFileSync } from "node:fs";
import { z } from "zod";

/** The pack's version, from policies/package.json as @pulumi/policy's PolicyPack reads it. */
export const POLICY_PACK_VERSION = z
  .object({ version: z.string().min(1) })
  .parse(JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"))).version;

export const policyPackName = (pack: string) => `alpha-orion-${pack}`;
