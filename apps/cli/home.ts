import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Local state (keys, embedded database, devnet profile): $ORION_HOME, default .orion under the project. */
export function orionHome(): string {
  return resolve(process.env.ORION_HOME || resolve(ROOT, ".orion"));
}
