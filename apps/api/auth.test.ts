import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey } from "jose";
import { issueAccessToken, MAX_FAILED_LOGINS } from "../identity/index.ts";
import { ApiHarness, expectProblem, TEST_TOKENS, type TestUser } from "./testing/harness.ts";

let h: ApiHarness;
let jwks: Server;
let idpKey: CryptoKey;
const IDP = "https://idp.test";

beforeAll(async () => {
  const pair = await generateKeyPair("ES256");
  idpKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: "idp-1", alg: "ES256" };
  jwks = createServer((_req, res) =>
    res.setHeader("content-type", "application/json").end(JSON.stringify({ keys: [jwk] })),
  );
  await new Promise<void>((r) => jwks.listen(0, "127.0.0.1", r));
  h = await ApiHarness.start({
    oidc: {
      issuer: IDP,
      audience: "orion-client",
      jwksUrl: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`,
      roleClaim: "orion_role",
      roleMap: { ops: "operator", readers: "viewer" },
    },
  });
});
afterAll(async () => {
  await h.close();
  await new Promise<void>((r) => jwks.close(() => r()));
});

describe("login", () => {
  it("issues a 5-minute access token and a refresh token after password and TOTP", async () => {
    const op = await h.createUser("operator");
    const res = await h.request("POST", "/auth/login", {
      body: { email: op.email, password: op.password, totp: h.code(op) },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ tokenType: "Bearer", expiresIn: 300 });
    expect(await h.auditCount({ action: "auth.login", outcome: "success" })).toBeGreaterThan(0);
  });

  it("refuses MFA roles without a code (as if the password were wrong), and with a wrong one", async () => {
    const admin = await h.createUser("admin");
    const p = expectProblem(
      await h.request("POST", "/auth/login", { body: { email: admin.email, password: admin.password } }),
      401,
    );
    expect(p.type).toBe("urn:alpha-orion:problem:invalid-credentials");
    expectProblem(
      await h.request("POST", "/auth/login", {
        body: { email: admin.email, password: admin.password, totp: "000000" },
      }),
      401,
    );
  });

  it("refuses a TOTP code replayed within its window, and audits it", async () => {
    const admin = await h.createUser("admin");
    const code = h.code(admin);
    const body = { email: admin.email, password: admin.password, totp: code };
    expect((await h.request("POST", "/auth/login", { body })).statusCode).toBe(200);
    const before = await h.auditCount({ action: "auth.login", outcome: "denied" });
    expectProblem(await h.request("POST", "/auth/login", { body }), 401);
    expect(await h.auditCount({ action: "auth.login", outcome: "denied" })).toBe(before + 1);
    const { rows } = await h.pool.query(
      "SELECT detail FROM audit_log WHERE action = 'auth.login' ORDER BY seq DESC LIMIT 1",
    );
    expect(JSON.parse(rows[0].detail)).toMatchObject({ reason: "totp-replayed" });
  });

  it("gives the same answer for an unknown email and a wrong password", async () => {
    const viewer = await h.createUser("viewer");
    const a = expectProblem(
      await h.request("POST", "/auth/login", { body: { email: viewer.email, password: "wrong password!!" } }),
      401,
    );
    const b = expectProblem(
      await h.request("POST", "/auth/login", { body: { email: "nobody@example.com", password: "wrong password!!" } }),
      401,
    );
    expect(a).toEqual(b);
  });

  it(`locks the account after ${MAX_FAILED_LOGINS} failures, even for the right password, and audits the lockout`, async () => {
    const trader = await h.createUser("trader");
    for (let i = 0; i < MAX_FAILED_LOGINS; i++) {
      expectProblem(
        await h.request("POST", "/auth/login", { body: { email: trader.email, password: `wrong-password-${i}` } }),
        401,
      );
    }
    expect(await h.auditCount({ action: "auth.lockout" })).toBe(1);
    const p = expectProblem(
      await h.request("POST", "/auth/login", {
        body: { email: trader.email, password: trader.password, totp: h.code(trader) },
      }),
      423,
    );
    expect(p.type).toBe("urn:alpha-orion:problem:account-locked");
  });
});

describe("access tokens at the door", () => {
  let viewer: TestUser;
  beforeAll(async () => {
    viewer = await h.createUser("viewer");
  });

  const forged: [string, () => Promise<string>][] = [
    [
      "alg none",
      async () =>
        new UnsecuredJWT({ role: "admin", sid: "x", mfa_at: 1 })
          .setSubject(viewer.id)
          .setIssuer(TEST_TOKENS.issuer)
          .setAudience(TEST_TOKENS.audience)
          .setExpirationTime("5m")
          .encode(),
    ],
    [
      "a wrong key",
      async () => {
        const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
        return (
          await issueAccessToken(
            { ...h.keys, signing: { ...h.keys.signing, privateKey } },
            TEST_TOKENS,
            { userId: viewer.id, role: "admin", sessionId: "x", mfaAt: 1 },
            h.now(),
          )
        ).token;
      },
    ],
    [
      "a wrong issuer",
      async () =>
        (
          await issueAccessToken(
            h.keys,
            { ...TEST_TOKENS, issuer: "https://evil" },
            { userId: viewer.id, role: "viewer", sessionId: "x", mfaAt: null },
            h.now(),
          )
        ).token,
    ],
    [
      "a wrong audience",
      async () =>
        (
          await issueAccessToken(
            h.keys,
            { ...TEST_TOKENS, audience: "x" },
            { userId: viewer.id, role: "viewer", sessionId: "x", mfaAt: null },
            h.now(),
          )
        ).token,
    ],
    [
      "an expired token",
      async () =>
        (
          await issueAccessToken(
            h.keys,
            TEST_TOKENS,
            { userId: viewer.id, role: "viewer", sessionId: "x", mfaAt: null },
            new Date(h.now().getTime() - 400_000),
          )
        ).token,
    ],
    [
      "a tampered role",
      async () => {
        const { accessToken } = await h.login(viewer);
        const [hd, p, s] = accessToken.split(".") as [string, string, string];
        const payload = { ...JSON.parse(Buffer.from(p, "base64url").toString()), role: "admin" };
        return `${hd}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${s}`;
      },
    ],
  ];

  it.each(forged)("refuses %s with 401 problem and an audit row", async (_name, make) => {
    const token = await make();
    const before = await h.auditCount({ outcome: "denied" });
    const state = await h.control.read();
    expectProblem(await h.request("POST", "/killswitch", { token, body: { engaged: true, reason: "forged" } }), 401);
    expectProblem(await h.request("GET", "/mode/status", { token }), 401);
    expect(await h.auditCount({ outcome: "denied" })).toBe(before + 2);
    expect(await h.control.read()).toEqual(state);
  });
});

describe("refresh and logout", () => {
  it("rotates the refresh token; replaying the old one revokes the family and its access tokens", async () => {
    const trader = await h.createUser("trader");
    const t1 = await h.login(trader);
    const r = await h.request("POST", "/auth/refresh", { body: { refreshToken: t1.refreshToken } });
    expect(r.statusCode).toBe(200);
    const t2 = r.json() as { accessToken: string; refreshToken: string };
    expect(t2.refreshToken).not.toBe(t1.refreshToken);
    expect((await h.request("GET", "/mode/status", { token: t2.accessToken })).statusCode).toBe(200);

    expectProblem(await h.request("POST", "/auth/refresh", { body: { refreshToken: t1.refreshToken } }), 401);
    expect(await h.auditCount({ action: "auth.refresh.reuse" })).toBe(1);
    expectProblem(await h.request("POST", "/auth/refresh", { body: { refreshToken: t2.refreshToken } }), 401);
    expectProblem(await h.request("GET", "/mode/status", { token: t2.accessToken }), 401);
  });

  it("logout ends the session: access and refresh tokens stop working", async () => {
    const viewer = await h.createUser("viewer");
    const t = await h.login(viewer);
    expect((await h.request("POST", "/auth/logout", { token: t.accessToken })).statusCode).toBe(204);
    expectProblem(await h.request("GET", "/mode/status", { token: t.accessToken }), 401);
    expectProblem(await h.request("POST", "/auth/refresh", { body: { refreshToken: t.refreshToken } }), 401);
  });

  it("step-up MFA refreshes the second-factor time, and refuses a replayed code", async () => {
    const admin = await h.createUser("admin");
    const t = await h.login(admin);
    h.advance(6 * 60_000);
    const r = await h.request("POST", "/auth/refresh", { body: { refreshToken: t.refreshToken } });
    const stale = (r.json() as { accessToken: string }).accessToken;
    const limits = await h.request("GET", "/risk/limits", { token: stale });
    const body = {
      expectedVersion: (limits.json() as { version: number }).version,
      limits: (limits.json() as { limits: unknown }).limits,
    };
    expect(expectProblem(await h.request("PUT", "/risk/limits", { token: stale, body }), 401).type).toBe(
      "urn:alpha-orion:problem:mfa-required",
    );
    const code = h.code(admin);
    const up = await h.request("POST", "/auth/mfa", { token: stale, body: { totp: code } });
    expect(up.statusCode).toBe(200);
    const fresh = (up.json() as { accessToken: string }).accessToken;
    expect((await h.request("PUT", "/risk/limits", { token: fresh, body })).statusCode).toBe(200);
    expectProblem(await h.request("POST", "/auth/mfa", { token: fresh, body: { totp: code } }), 401);
  });
});

describe("OIDC", () => {
  const idToken = (claims: Record<string, unknown>, key?: CryptoKey) =>
    new SignJWT({ email: "grace@example.com", email_verified: true, orion_role: "ops", amr: ["mfa"], ...claims })
      .setProtectedHeader({ alg: "ES256", kid: "idp-1" })
      .setIssuer(IDP)
      .setAudience("orion-client")
      .setSubject("sub-42")
      .setIssuedAt(Math.floor(h.now().getTime() / 1000))
      .setExpirationTime(Math.floor(h.now().getTime() / 1000) + 300)
      .sign(key ?? idpKey);

  it("logs in an external user with the mapped role", async () => {
    const res = await h.request("POST", "/auth/oidc", { body: { idToken: await idToken({}) } });
    expect(res.statusCode).toBe(200);
    const status = await h.request("GET", "/mode/status", {
      token: (res.json() as { accessToken: string }).accessToken,
    });
    expect(status.statusCode).toBe(200);
    const { rows } = await h.pool.query("SELECT role FROM users WHERE external_subject = $1", [`${IDP}|sub-42`]);
    expect(rows[0].role).toBe("operator");
  });

  it("refuses a token signed by another key, and an MFA role without IdP MFA", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    expectProblem(await h.request("POST", "/auth/oidc", { body: { idToken: await idToken({}, privateKey) } }), 401);
    expectProblem(await h.request("POST", "/auth/oidc", { body: { idToken: await idToken({ amr: ["pwd"] }) } }), 401);
  });
});
