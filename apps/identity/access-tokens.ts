import { errors, jwtVerify, SignJWT, type JWTHeaderParameters } from "jose";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { ACCESS_TOKEN_ALG, type KeyMaterial } from "./keys.ts";
import { roleSchema, type Role } from "./roles.ts";

export const ACCESS_TOKEN_TTL_SECONDS = 300;

export interface TokenConfig {
  issuer: string;
  audience: string;
}

export interface AccessClaims {
  userId: string;
  role: Role;
  sessionId: string;
  /** When the session last proved a second factor (unix seconds), or null. */
  mfaAt: number | null;
  expiresAt: number;
}

const claimsSchema = z.object({
  sub: z.string().uuid(),
  role: roleSchema,
  sid: z.string().min(1),
  mfa_at: z.number().int().nullable(),
  exp: z.number().int(),
});

export async function issueAccessToken(
  keys: KeyMaterial,
  config: TokenConfig,
  claims: Omit<AccessClaims, "expiresAt">,
  now: Date,
): Promise<{ token: string; expiresAt: number }> {
  const iat = Math.floor(now.getTime() / 1000);
  const expiresAt = iat + ACCESS_TOKEN_TTL_SECONDS;
  const token = await new SignJWT({ role: claims.role, sid: claims.sessionId, mfa_at: claims.mfaAt })
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid: keys.signing.kid, typ: "at+jwt" })
    .setIssuer(config.issuer)
    .setAudience(config.audience)
    .setSubject(claims.userId)
    .setIssuedAt(iat)
    .setExpirationTime(expiresAt)
    .setJti(randomUUID())
    .sign(keys.signing.privateKey);
  return { token, expiresAt };
}

export class InvalidToken extends Error {
  override readonly name = "InvalidToken";
}

/**
 * Verifies signature (EdDSA only: "none" and every other alg are refused), kid, issuer, audience, expiry and the
 * claim shapes. Any failure is one InvalidToken whose message is safe to log but never says which check failed to
 * the caller.
 */
export async function verifyAccessToken(
  keys: KeyMaterial,
  config: TokenConfig,
  token: string,
  now: Date,
): Promise<AccessClaims> {
  const keyFor = (header: JWTHeaderParameters) => {
    if (header.kid === keys.signing.kid) return keys.signing.publicKey;
    const old = keys.verifyOnly.find((k) => k.kid === header.kid);
    if (old) return old.publicKey;
    throw new InvalidToken("unknown key id");
  };
  try {
    const { payload } = await jwtVerify(token, keyFor, {
      issuer: config.issuer,
      audience: config.audience,
      algorithms: [ACCESS_TOKEN_ALG],
      typ: "at+jwt",
      currentDate: now,
      requiredClaims: ["sub", "exp", "iat", "jti"],
    });
    const c = claimsSchema.parse(payload);
    return { userId: c.sub, role: c.role, sessionId: c.sid, mfaAt: c.mfa_at, expiresAt: c.exp };
  } catch (err) {
    if (err instanceof InvalidToken) throw err;
    const why = err instanceof errors.JOSEError ? err.code : "malformed claims";
    throw new InvalidToken(why);
  }
}
