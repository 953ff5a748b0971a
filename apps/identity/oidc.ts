import { createRemoteJWKSet, jwtVerify } from "jose";
import { z } from "zod";
import { roleSchema, type Role } from "./roles.ts";

/**
 * An external identity provider (Google Identity Platform in the cloud). ID tokens are verified against the issuer's
 * JWKS; the role comes from one configured claim through an explicit map, so an unmapped value grants nothing.
 */
export interface OidcConfig {
  issuer: string;
  audience: string;
  jwksUrl: string;
  roleClaim: string;
  roleMap: Record<string, Role>;
  algorithms?: string[];
}

export interface ExternalIdentity {
  externalSubject: string;
  email: string;
  role: Role;
  /** Unix seconds of the IdP's second-factor proof, when the token asserts one (amr contains "mfa" or "otp"). */
  mfaAt: number | null;
}

export class OidcRejected extends Error {
  override readonly name = "OidcRejected";
}

const idTokenSchema = z.object({
  sub: z.string().min(1),
  email: z.string().email(),
  email_verified: z.boolean().optional(),
  amr: z.array(z.string()).optional(),
  auth_time: z.number().int().optional(),
  iat: z.number().int(),
});

export function createOidcVerifier(config: OidcConfig): (idToken: string, now: Date) => Promise<ExternalIdentity> {
  const jwks = createRemoteJWKSet(new URL(config.jwksUrl), { timeoutDuration: 3000, cooldownDuration: 30_000 });
  return async (idToken, now) => {
    let payload;
    try {
      ({ payload } = await jwtVerify(idToken, jwks, {
        issuer: config.issuer,
        audience: config.audience,
        algorithms: config.algorithms ?? ["RS256", "ES256", "EdDSA"],
        currentDate: now,
        requiredClaims: ["sub", "exp", "iat"],
      }));
    } catch (err) {
      throw new OidcRejected(err instanceof Error ? err.message : "invalid ID token");
    }
    const claims = idTokenSchema.safeParse(payload);
    if (!claims.success) throw new OidcRejected("ID token lacks sub or email");
    if (claims.data.email_verified === false) throw new OidcRejected("email not verified by the identity provider");
    const raw = (payload as Record<string, unknown>)[config.roleClaim];
    const values = Array.isArray(raw) ? raw : [raw];
    // The most privileged mapped value is not taken implicitly: exactly one mapped role is required.
    const roles = [...new Set(values.filter((v): v is string => typeof v === "string" && v in config.roleMap))].map(
      (v) => roleSchema.parse(config.roleMap[v]),
    );
    if (roles.length !== 1) throw new OidcRejected(`claim ${config.roleClaim} must map to exactly one role`);
    const mfa = claims.data.amr?.some((m) => m === "mfa" || m === "otp") ?? false;
    return {
      externalSubject: `${config.issuer}|${claims.data.sub}`,
      email: claims.data.email.toLowerCase(),
      role: roles[0] as Role,
      mfaAt: mfa ? (claims.data.auth_time ?? claims.data.iat) : null,
    };
  };
}
