import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from "jose";
import { randomBytes } from "node:crypto";
import { z } from "zod";

export const ACCESS_TOKEN_ALG = "EdDSA";

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

/**
 * Everything secret the control plane holds. `signing` signs new access tokens; `verifyOnly` are retired public keys
 * still accepted until the tokens they signed expire (key rotation). `kek` wraps per-subject data keys; `pepper` keys
 * the email blind index.
 */
export interface KeyMaterial {
  signing: SigningKey;
  verifyOnly: { kid: string; publicKey: CryptoKey }[];
  kek: Buffer;
  pepper: Buffer;
}

const jwkSchema = z.object({
  kty: z.literal("OKP"),
  crv: z.literal("Ed25519"),
  x: z.string(),
  d: z.string().optional(),
});
const b64key = z
  .string()
  .transform((s) => Buffer.from(s, "base64"))
  .refine((b) => b.length === 32, "must be 32 bytes, base64");

/** The on-disk / environment form (ORION_KEYS): JSON, so it fits one Secret Manager secret. */
export const keyFileSchema = z
  .object({
    signing: z.object({ kid: z.string().min(1), jwk: jwkSchema.required({ d: true }) }).strict(),
    verifyOnly: z.array(z.object({ kid: z.string().min(1), jwk: jwkSchema }).strict()).default([]),
    kek: b64key,
    pepper: b64key,
  })
  .strict();
export type KeyFile = z.input<typeof keyFileSchema>;

async function newSigningJwk(): Promise<{ kid: string; jwk: JWK }> {
  const { privateKey } = await generateKeyPair(ACCESS_TOKEN_ALG, { crv: "Ed25519", extractable: true });
  return {
    kid: `k-${new Date().toISOString().slice(0, 10)}-${randomBytes(4).toString("hex")}`,
    jwk: await exportJWK(privateKey),
  };
}

export async function generateKeyFile(): Promise<KeyFile> {
  const signing = await newSigningJwk();
  return {
    signing: { kid: signing.kid, jwk: signing.jwk as KeyFile["signing"]["jwk"] },
    verifyOnly: [],
    kek: randomBytes(32).toString("base64"),
    pepper: randomBytes(32).toString("base64"),
  };
}

/** A new signing key; the old one's public half stays accepted for verification. KEK and pepper are unchanged. */
export async function rotateSigningKey(file: KeyFile): Promise<KeyFile> {
  const parsed = keyFileSchema.parse(file);
  const { d: _d, ...oldPublic } = parsed.signing.jwk;
  const next = await newSigningJwk();
  return {
    ...file,
    signing: { kid: next.kid, jwk: next.jwk as KeyFile["signing"]["jwk"] },
    verifyOnly: [{ kid: parsed.signing.kid, jwk: oldPublic }, ...(file.verifyOnly ?? [])],
  };
}

/** Drops retired verification keys (after the access-token lifetime has passed since the rotation). */
export function retireVerifyKeys(file: KeyFile): KeyFile {
  return { ...file, verifyOnly: [] };
}

export async function loadKeyMaterial(file: KeyFile): Promise<KeyMaterial> {
  const parsed = keyFileSchema.parse(file);
  const { d: _d, ...pub } = parsed.signing.jwk;
  return {
    signing: {
      kid: parsed.signing.kid,
      privateKey: (await importJWK(parsed.signing.jwk, ACCESS_TOKEN_ALG)) as CryptoKey,
      publicKey: (await importJWK(pub, ACCESS_TOKEN_ALG)) as CryptoKey,
    },
    verifyOnly: await Promise.all(
      parsed.verifyOnly.map(async (k) => ({
        kid: k.kid,
        publicKey: (await importJWK(k.jwk, ACCESS_TOKEN_ALG)) as CryptoKey,
      })),
    ),
    kek: parsed.kek,
    pepper: parsed.pepper,
  };
}
