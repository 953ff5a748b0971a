import { createHash, randomBytes } from "node:crypto";

/** An opaque refresh token: 256 random bits. */
export function newRefreshToken(): string {
  return randomBytes(32).toString("base64url");
}

/** What either backend stores of a refresh token: its SHA-256, so a leaked store holds no usable token. */
export function refreshTokenDigest(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
