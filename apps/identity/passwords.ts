import { hash, verify } from "@node-rs/argon2";
import { randomBytes } from "node:crypto";

// @node-rs/argon2 defaults to argon2id with OWASP's 19 MiB / 2 passes; passing the enum is impossible under
// isolatedModules (it is a const enum), so the default is relied on and a test asserts the "$argon2id$" prefix.
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

// A real argon2id hash of a random password: verifying against it when the user does not exist costs the same time
// as a real check, so response timing does not reveal which emails have accounts.
let dummyHash: Promise<string> | null = null;

export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  dummyHash ??= hash(randomBytes(32).toString("hex"));
  try {
    const ok = await verify(stored ?? (await dummyHash), password);
    return stored !== null && ok;
  } catch {
    return false;
  }
}

export const MIN_PASSWORD_LENGTH = 12;
