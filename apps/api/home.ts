import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Local state (keys, anchors, embedded database, devnet profile): $ORION_HOME, default .orion under the project,
 * whatever the current directory: a command run from elsewhere finds the same keys.
 */
export function orionHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.ORION_HOME || join(PROJECT_ROOT, ".orion"));
}

/** ORION_KEYS_FILE when set, else $ORION_HOME/keys.json. */
export function keysFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.ORION_KEYS_FILE ? resolve(env.ORION_KEYS_FILE) : join(orionHome(env), "keys.json");
}

/** Where the API and `orion audit anchor` write the ledger's anchors locally. */
export function anchorsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(orionHome(env), "anchors");
}
