import { readFileSync } from "node:fs";
import { EnvError } from "./parse.ts";

/**
 * The secret variables that may arrive as a file instead: `<VAR>_FILE` names a file holding the value. GKE mounts
 * Secret Manager versions as files (the Secret Manager add-on's CSI volume), Cloud Run injects them as env; the bots
 * read both through this one step. ORION_KEYS is not here: `ORION_KEYS_FILE` already names the API's own key file,
 * which `orion keys` creates and rotates (apps/api/home.ts).
 */
export const SECRET_FILE_VARIABLES = [
  "REDIS_PASSWORD",
  "ORION_CONTROL_REDIS_PASSWORD",
  "RPC_URLS",
  // Hosted bundlers and paymasters put their API key in the URL, as RPC providers do.
  "ORION_BUNDLER_URL",
  "ORION_PAYMASTER_URL",
  // The relay's reputation key: Secret Manager, mounted as a file on GKE.
  "ORION_RELAY_KEY",
] as const;

export type SecretFileVariable = (typeof SECRET_FILE_VARIABLES)[number];

/** `REDIS_PASSWORD` -> `REDIS_PASSWORD_FILE`. */
export const fileVariable = (variable: SecretFileVariable): string => `${variable}_FILE`;

/**
 * The env with every `<VAR>_FILE` of a secret variable replaced by `<VAR>` = the file's content (one trailing newline
 * dropped: `echo` and editors add one, no secret here ends in it). Throws EnvError naming `<VAR>_FILE` when the file
 * cannot be read or is empty, and when both forms are set (which one wins would be a guess). The value is never
 * echoed. Returns a new object; the input is untouched.
 */
export function resolveSecretFiles(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const resolved: NodeJS.ProcessEnv = { ...env };
  for (const variable of SECRET_FILE_VARIABLES) {
    const fileName = fileVariable(variable);
    const path = env[fileName];
    if (path === undefined || path === "") continue;
    if (env[variable] !== undefined && env[variable] !== "") {
      throw new EnvError(fileName, `and ${variable} are both set: set one`);
    }
    let content: string;
    try {
      content = readFileSync(path, "utf8");
    } catch (err) {
      const code = (err as { code?: string }).code ?? "an error";
      throw new EnvError(fileName, `${path}: cannot be read (${code})`);
    }
    const value = content.replace(/\r?\n$/, "");
    if (value === "") throw new EnvError(fileName, `${path}: is empty (it must hold ${variable})`);
    resolved[variable] = value;
    delete resolved[fileName];
  }
  return resolved;
}
