import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { SECRET_MARKER } from "../../components/common/offline.ts";

/** stackConfigDir of Pulumi.yaml. */
export const STACKS_DIR = fileURLToPath(new URL("..", import.meta.url));

export class StackNotFound extends Error {
  override readonly name = "StackNotFound";
}

export interface StackFile {
  file: string;
  /** "namespace:key" -> value (objects stay objects). */
  config: Record<string, unknown>;
  /** Keys whose values were `secure:` ciphertext. */
  secretKeys: string[];
}

const stackName = z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, "must be a stack name such as dev, staging or prod");
const fileSchema = z.object({ config: z.record(z.unknown()).default({}) }).passthrough();

/** Reads stacks/Pulumi.<stack>.yaml; `secure:` values become SECRET_MARKER: offline they cannot be decrypted. */
export async function readStackFile(stack: string): Promise<StackFile> {
  const name = stackName.safeParse(stack);
  if (!name.success) throw new StackNotFound(`--stack "${stack}" ${name.error.issues[0]?.message ?? "is invalid"}`);
  const file = path.join(STACKS_DIR, `Pulumi.${stack}.yaml`);
  const relative = path.relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new StackNotFound(`${relative}: no such stack file: stack "${stack}" does not exist`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new StackNotFound(`${relative}: not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  const parsed = fileSchema.safeParse(doc ?? {});
  if (!parsed.success) throw new StackNotFound(`${relative}: config must be a mapping of keys to values`);
  const config: Record<string, unknown> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(parsed.data.config)) {
    if (value !== null && typeof value === "object" && "secure" in value) {
      config[key] = SECRET_MARKER;
      secretKeys.push(key);
    } else {
      config[key] = value;
    }
  }
  return { file: relative, config, secretKeys };
}
