import { authenticator } from "otplib";
import type { Counters } from "./state/index.ts";

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
 * for its user for as long as it could still validate (a counter of the session state that admits one count,
 * shared by every API instance).
 */
export async function verifyTotp(
  counters: Counters,
  userId: string,
  secret: string,
  code: string,
  at: Date,
): Promise<"ok" | "invalid" | "replayed"> {
  if (!/^\d{6}$/.test(code)) return "invalid";
  const delta = authenticator.clone({ epoch: at.getTime(), window: 1 }).checkDelta(code, secret);
  if (delta === null) return "invalid";
  const step = Math.floor(at.getTime() / 1000 / STEP_SECONDS) + delta;
  const first = await counters.reserve(`totp-used:${userId}:${step}`, 1, STEP_SECONDS * 4);
  return first === null ? "replayed" : "ok";
}
