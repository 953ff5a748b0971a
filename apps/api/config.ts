import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { keysFilePath } from "./home.ts";
import { z } from "zod";
import { apiEnvSchema, parseEnv } from "../domain/env/index.ts";
import { generateKeyFile, keyFileSchema, roleSchema, type KeyFile, type OidcConfig } from "../identity/index.ts";

/**
 * Environment of `orion api`, `orion run api` and the API inside `orion dev`: the API's env contract
 * (apps/domain/env), whose Redis and PostgreSQL variables apps/connections turns into clients.
 */
export type ApiEnv = z.infer<typeof apiEnvSchema>;

/** Throws EnvError naming the first variable at fault. */
export function parseApiEnv(env: NodeJS.ProcessEnv): ApiEnv {
  return parseEnv(apiEnvSchema, env);
}

export function oidcFromEnv(env: ApiEnv): OidcConfig | undefined {
  if (!env.ORION_OIDC_ISSUER) return undefined;
  if (!env.ORION_OIDC_JWKS_URL || !env.ORION_OIDC_AUDIENCE || !env.ORION_OIDC_ROLE_MAP) {
    throw new Error("ORION_OIDC_ISSUER needs ORION_OIDC_AUDIENCE, ORION_OIDC_JWKS_URL and ORION_OIDC_ROLE_MAP");
  }
  const roleMap = z.record(z.string(), roleSchema).parse(JSON.parse(env.ORION_OIDC_ROLE_MAP));
  return {
    issuer: env.ORION_OIDC_ISSUER,
    audience: env.ORION_OIDC_AUDIENCE,
    jwksUrl: env.ORION_OIDC_JWKS_URL,
    roleClaim: env.ORION_OIDC_ROLE_CLAIM,
    roleMap,
  };
}

/** Atomic 0600 write: a crash never leaves a half-written key file. */
export async function writeKeyFile(path: string, file: KeyFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(file, null, 2) + "\n", { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

function checkedKeyFile(raw: unknown): KeyFile {
  keyFileSchema.parse(raw);
  return raw as KeyFile;
}

type KeySource = {
  ORION_KEYS?: string | undefined;
  ORION_KEYS_FILE?: string | undefined;
  ORION_HOME?: string | undefined;
};

/** Key material from ORION_KEYS or the key file; null when neither exists (nothing is created). */
export async function loadKeyFile(env: KeySource): Promise<KeyFile | null> {
  if (env.ORION_KEYS) return checkedKeyFile(JSON.parse(env.ORION_KEYS));
  const path = keysFilePath(env);
  try {
    return checkedKeyFile(JSON.parse(await readFile(path, "utf8")));
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return null;
    throw new Error(`${path}: not a valid key file (${(err as Error).message.split("\n")[0]})`);
  }
}

/**
 * Key material: ORION_KEYS if set (the cloud), else the key file. A laptop without one gets a fresh file on first
 * use, so `orion users create` and `orion api` agree on the keys without any setup.
 */
export async function loadOrCreateKeyFile(env: KeySource): Promise<KeyFile> {
  const existing = await loadKeyFile(env);
  if (existing) return existing;
  const file = await generateKeyFile();
  await writeKeyFile(keysFilePath(env), file);
  return file;
}
