import { authenticator } from "otplib";
import type { Redis } from "ioredis";

const STEP_SECONDS = 30;

export function generateTotpSecret(): string {
  return authenticator.generateSecret(20);
}

export function totpUri(secret: string, account: string): string {
  return authenticator.keyuri(account, "Alpha-Orion", secret);
}

/** The code for `at` (tests and the CLI drill use it; users have an authenticator app). */
export function totpCode(secret: string, at: Date): string {
  return authenticator.clone({ epoch: at.getTime() }).generate(secret);
}

/**
 * RFC 6238 check with one step of clock drift either way, and replay protection: a code, once accepted, is burnt
 * for its user for as long as it could still validate (SET NX in Redis, shared by every API instance).
 */
export async function verifyTotp(
  redis: Redis,
  keyPrefix: string,
  userId: string,
  secret: string,
  code: string,
  at: Date,
): Promise<"ok" | "invalid" | "replayed"> {
  if (!/^\d{6}$/.test(code)) return "invalid";
  const delta = authenticator.clone({ epoch: at.getTime(), window: 1 }).checkDelta(code, secret);
  if (delta === null) return "invalid";
  const step = Math.floor(at.getTime() / 1000 / STEP_SECONDS) + delta;
  const fresh = await redis.set(`${keyPrefix}totp-used:${userId}:${step}`, "1", "EX", STEP_SECONDS * 4, "NX");
  return fresh === "OK" ? "ok" : "replayed";
}
