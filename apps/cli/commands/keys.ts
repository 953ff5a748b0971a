import type { Command } from "commander";
// The API's modules by file: its index would load the server (fastify and its plugins) for a one-shot command.
import { loadOrCreateKeyFile, writeKeyFile } from "../../api/config.ts";
import { keysFilePath } from "../../api/home.ts";
import { keyFileSchema, retireVerifyKeys, rotateSigningKey, type KeyFile } from "../../identity/index.ts";
import { InputError } from "../errors.ts";

async function readKeyFile(file: string): Promise<KeyFile> {
  try {
    return await loadOrCreateKeyFile({ ORION_KEYS: undefined, ORION_KEYS_FILE: file });
  } catch (err) {
    throw new InputError(`--file ${file}: ${(err as Error).message}`);
  }
}

function describe(file: KeyFile): string {
  const parsed = keyFileSchema.parse(file);
  const old = parsed.verifyOnly.map((k) => k.kid);
  return `signing key ${parsed.signing.kid}; still accepted: ${old.length ? old.join(", ") : "none"}`;
}

/**
 * Access-token signing keys. `rotate` makes a new signing key and keeps the old public key for verification, so
 * tokens issued before the rotation stay valid until they expire (5 minutes); `retire` then drops the old keys.
 * The KEK and the email pepper are not rotated here: they protect stored data (see runbooks/key-rotation.md).
 */
export async function runKeys(action: "rotate" | "retire" | "show", file = keysFilePath()): Promise<void> {
  const current = await readKeyFile(file);
  if (action === "show") {
    process.stdout.write(describe(current) + "\n");
    return;
  }
  const next = action === "rotate" ? await rotateSigningKey(current) : retireVerifyKeys(current);
  await writeKeyFile(file, next);
  process.stdout.write(`${action === "rotate" ? "rotated" : "retired old keys"}: ${describe(next)}\n`);
}

export function configure(keys: Command): void {
  const fileOption = ["--file <path>", "key file (default: ORION_KEYS_FILE, else $ORION_HOME/keys.json)"] as const;
  keys
    .command("show")
    .description("name the signing key and the retired keys still accepted")
    .option(...fileOption)
    .action((o: { file?: string }) => runKeys("show", o.file));
  keys
    .command("rotate")
    .description("new access-token signing key; the old one stays accepted until `orion keys retire`")
    .option(...fileOption)
    .action((o: { file?: string }) => runKeys("rotate", o.file));
  keys
    .command("retire")
    .description("stop accepting tokens of retired signing keys (run at least 5 minutes after rotate)")
    .option(...fileOption)
    .action((o: { file?: string }) => runKeys("retire", o.file));
}
