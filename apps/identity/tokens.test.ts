import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey } from "jose";
import { issueAccessToken, verifyAccessToken, InvalidToken } from "./access-tokens.ts";
import { generateKeyFile, loadKeyMaterial, rotateSigningKey, type KeyMaterial } from "./keys.ts";
import { createOidcVerifier, OidcRejected } from "./oidc.ts";
import { hashPassword, verifyPassword } from "./passwords.ts";

const config = { issuer: "https://control.test", audience: "orion-test" };
let keys: KeyMaterial;
const now = new Date("2026-11-27T12:00:00Z");
const claims = { userId: randomUUID(), role: "admin" as const, sessionId: randomUUID(), mfaAt: 1 };

beforeAll(async () => {
  keys = await loadKeyMaterial(await generateKeyFile());
});

describe("passwords", () => {
  it("hash with argon2id and verify only the right password; a missing user never verifies", async () => {
    const h = await hashPassword("correct horse battery staple");
    expect(h.startsWith("$argon2id$")).toBe(true);
    expect(await verifyPassword(h, "correct horse battery staple")).toBe(true);
    expect(await verifyPassword(h, "Correct horse battery staple")).toBe(false);
    expect(await verifyPassword(null, "correct horse battery staple")).toBe(false);
    expect(await verifyPassword("not a hash", "x")).toBe(false);
  });
});

describe("access tokens", () => {
  it("round-trip with iss, aud, kid, 5-minute expiry", async () => {
    const { token, expiresAt } = await issueAccessToken(keys, config, claims, now);
    expect(expiresAt - Math.floor(now.getTime() / 1000)).toBe(300);
    const header = JSON.parse(Buffer.from(token.split(".")[0] as string, "base64url").toString());
    expect(header).toMatchObject({ alg: "EdDSA", kid: keys.signing.kid });
    await expect(verifyAccessToken(keys, config, token, now)).resolves.toMatchObject({
      userId: claims.userId,
      role: "admin",
    });
  });

  const attacks: [string, () => Promise<string>, Date?][] = [
    [
      "alg none",
      async () =>
        new UnsecuredJWT({ role: "admin", sid: "s", mfa_at: 1 })
          .setSubject(claims.userId)
          .setIssuer(config.issuer)
          .setAudience(config.audience)
          .setIssuedAt()
          .setExpirationTime("5m")
          .encode(),
    ],
    [
      "a wrong key under the right kid",
      async () => {
        const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
        const other = { ...keys, signing: { ...keys.signing, privateKey } };
        return (await issueAccessToken(other, config, claims, now)).token;
      },
    ],
    [
      "a wrong issuer",
      async () => (await issueAccessToken(keys, { ...config, issuer: "https://evil.test" }, claims, now)).token,
    ],
    [
      "a wrong audience",
      async () => (await issueAccessToken(keys, { ...config, audience: "other-service" }, claims, now)).token,
    ],
    [
      "an expired token",
      async () => (await issueAccessToken(keys, config, claims, new Date(now.getTime() - 301_000))).token,
    ],
    [
      "a tampered payload (role raised)",
      async () => {
        const { token } = await issueAccessToken(keys, config, { ...claims, role: "admin" }, now);
        const [h, p, s] = token.split(".") as [string, string, string];
        const payload = JSON.parse(Buffer.from(p, "base64url").toString());
        payload.sub = randomUUID();
        return `${h}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${s}`;
      },
    ],
    [
      "an HS256 token keyed with the public key (alg confusion)",
      async () =>
        new SignJWT({ role: "admin", sid: "s", mfa_at: 1 })
          .setProtectedHeader({ alg: "HS256", kid: keys.signing.kid, typ: "at+jwt" })
          .setSubject(claims.userId)
          .setIssuer(config.issuer)
          .setAudience(config.audience)
          .setIssuedAt()
          .setJti("j")
          .setExpirationTime("5m")
          .sign(new TextEncoder().encode(JSON.stringify(await exportJWK(keys.signing.publicKey)))),
    ],
    ["garbage", async () => "not.a.jwt"],
  ];

  it.each(attacks)("refuses %s", async (_name, make) => {
    const token = await make();
    await expect(verifyAccessToken(keys, config, token, now)).rejects.toBeInstanceOf(InvalidToken);
  });

  it("keeps accepting tokens of the previous key after a rotation, and refuses them once retired", async () => {
    const file = await generateKeyFile();
    const before = await loadKeyMaterial(file);
    const { token } = await issueAccessToken(before, config, claims, now);
    const rotated = await rotateSigningKey(file);
    const after = await loadKeyMaterial(rotated);
    expect(after.signing.kid).not.toBe(before.signing.kid);
    await expect(verifyAccessToken(after, config, token, now)).resolves.toMatchObject({ userId: claims.userId });
    const retired = await loadKeyMaterial({ ...rotated, verifyOnly: [] });
    await expect(verifyAccessToken(retired, config, token, now)).rejects.toBeInstanceOf(InvalidToken);
  });
});

describe("OIDC ID tokens against a local JWKS server", () => {
  let server: Server;
  let jwksUrl: string;
  let idpKey: CryptoKey;
  const issuer = "https://idp.test";
  const roleMap = { "orion-admins": "admin", "orion-viewers": "viewer" } as const;

  beforeAll(async () => {
    const pair = await generateKeyPair("ES256");
    idpKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: "idp-1", alg: "ES256", use: "sig" };
    server = createServer((_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const idToken = (claimsIn: Record<string, unknown>, key?: CryptoKey, iss = issuer, aud = "orion-client") =>
    new SignJWT({
      email: "ada@example.com",
      email_verified: true,
      groups: ["orion-admins"],
      amr: ["pwd", "mfa"],
      ...claimsIn,
    })
      .setProtectedHeader({ alg: "ES256", kid: "idp-1" })
      .setIssuer(iss)
      .setAudience(aud)
      .setSubject("google-123")
      .setIssuedAt(Math.floor(Date.now() / 1000))
      .setExpirationTime("5m")
      .sign(key ?? idpKey);

  it("maps the configured claim to a role and carries the IdP's MFA", async () => {
    const verify = createOidcVerifier({ issuer, audience: "orion-client", jwksUrl, roleClaim: "groups", roleMap });
    const identity = await verify(await idToken({}), new Date());
    expect(identity).toMatchObject({
      externalSubject: `${issuer}|google-123`,
      email: "ada@example.com",
      role: "admin",
    });
    expect(identity.mfaAt).not.toBeNull();
  });

  it("refuses a wrong key, issuer, audience, an unmapped or ambiguous role", async () => {
    const verify = createOidcVerifier({ issuer, audience: "orion-client", jwksUrl, roleClaim: "groups", roleMap });
    const { privateKey: stranger } = await generateKeyPair("ES256");
    for (const token of [
      await idToken({}, stranger),
      await idToken({}, undefined, "https://evil.test"),
      await idToken({}, undefined, issuer, "another-client"),
      await idToken({ groups: ["everyone"] }),
      await idToken({ groups: ["orion-admins", "orion-viewers"] }),
      await idToken({ email_verified: false }),
    ]) {
      await expect(verify(token, new Date())).rejects.toBeInstanceOf(OidcRejected);
    }
  });
});
