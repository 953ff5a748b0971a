import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod/v4";
import {
  ACCESS_TOKEN_TTL_SECONDS,
  generateTotpSecret,
  totpUri,
  issueAccessToken,
  lockKeys,
  mustUseTotp,
  OidcRejected,
  verifyPassword,
  verifyTotp,
  type Reservation,
  type Role,
  type User,
} from "../../identity/index.ts";
import type { ApiContext } from "../context.ts";
import { ProblemError } from "../problem.ts";
import { fields, noBody, noContent, problemResponses, type RouteDeps } from "./deps.ts";

const tokenResponse = z.object({
  accessToken: z.string(),
  tokenType: z.literal("Bearer"),
  expiresIn: z.int().describe("seconds the access token is valid"),
  refreshToken: z
    .string()
    .optional()
    .describe("absent for the console, which gets it as an httpOnly cookie, and on step-up"),
});

async function grant(ctx: ApiContext, user: { id: string; role: Role }, mfaAt: number | null) {
  const { session, refreshToken } = await ctx.sessions.create(user.id, user.role, mfaAt);
  const { token } = await issueAccessToken(
    ctx.keys,
    ctx.tokens,
    { userId: user.id, role: user.role, sessionId: session.sessionId, mfaAt },
    ctx.clock(),
  );
  return { accessToken: token, tokenType: "Bearer" as const, expiresIn: ACCESS_TOKEN_TTL_SECONDS, refreshToken };
}

const INVALID_LOGIN = "email, password or one-time code is wrong";

export function registerAuthRoutes(fastify: FastifyInstance, { ctx, guard }: RouteDeps): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const strict = { loginLimited: true };

  // Rows about a known user name them by id (their pseudonym, erasable through their key). Attempts on unknown
  // emails carry nothing derived from the address: any keyed hash of it would outlive an erasure of its owner (the
  // key stays), and link the rows written before the account existed and after it was erased back to the address.
  const who = (user: { id: string } | null) =>
    user ? { actor: user.id, subject: user.id } : { actor: "anonymous", subject: null };

  async function loggedIn(request: FastifyRequest, user: User, method: "password" | "oidc", mfaAt: number | null) {
    await ctx.audit(request, {
      actor: user.id,
      action: "auth.login",
      outcome: "success",
      subject: user.id,
      detail: { method, mfa: mfaAt !== null },
      pii: { ip: request.ip },
    });
    return grant(ctx, user, mfaAt);
  }

  const LOCKED = () => new ProblemError(423, "account-locked", "too many failed attempts; try again in 15 minutes");

  /** Audits an attempt refused by the lockout. */
  async function refusedLocked(request: FastifyRequest, action: string, user: { id: string } | null) {
    const { actor, subject } = who(user);
    await ctx.audit(request, { actor, action, outcome: "denied", subject, detail: { reason: "locked" } });
    return LOCKED();
  }

  /** Audits a failed attempt; the one that used the account's last slot also writes the lockout row. */
  async function attemptFailed(
    request: FastifyRequest,
    action: string,
    user: { id: string } | null,
    reason: string,
    slot: Reservation,
  ) {
    const { actor, subject } = who(user);
    await ctx.audit(request, {
      actor,
      action,
      outcome: "denied",
      subject,
      detail: { reason },
      ...(subject ? { pii: { ip: request.ip } } : {}),
    });
    if (!slot.locked && slot.locksOnFailure) {
      await ctx.ledger.append({ actor, action: "auth.lockout", outcome: "denied", subject, detail: {} });
    }
  }

  /**
   * A second-factor check of a signed-in account outside login (step-up, enrolment): it takes a slot of the same
   * lockout as logins, so a stolen session cannot guess codes. Throws 423 when locked, 401 when the code is wrong.
   */
  async function secondFactor(request: FastifyRequest, action: string, userId: string, check: () => Promise<string>) {
    const slot = await ctx.lockout.reserve(lockKeys.user(userId));
    const self = { id: userId };
    if (slot.locked) throw await refusedLocked(request, action, self);
    const verdict = await check();
    if (verdict !== "ok") {
      await attemptFailed(request, action, self, verdict, slot);
      throw new ProblemError(401, "invalid-credentials", "the one-time code is wrong or was already used");
    }
    await ctx.lockout.clear(lockKeys.user(userId));
  }

  app.post(
    "/auth/login",
    {
      config: strict,
      schema: {
        tags: ["auth"],
        body: z.strictObject({ email: fields.email, password: fields.password, totp: fields.totp.optional() }),
        response: { 200: tokenResponse, ...problemResponses },
      },
    },
    async (request) => {
      const { email, password, totp } = request.body;
      const user = await ctx.users.findByEmail(email);
      const lockKey = user ? lockKeys.user(user.id) : lockKeys.email(ctx.users.emailIndex(email));
      // The attempt holds its slot before anything is verified: parallel guesses cannot outrun the count.
      const slot = await ctx.lockout.reserve(lockKey);
      if (slot.locked) throw await refusedLocked(request, "auth.login", user);
      const failed = async (reason: string) => {
        await attemptFailed(request, "auth.login", user, reason, slot);
        return new ProblemError(401, "invalid-credentials", INVALID_LOGIN);
      };
      // verifyPassword checks against a dummy hash when there is no user, so timing says nothing about existence.
      const passwordOk = await verifyPassword(user?.passwordHash ?? null, password);
      if (!user || !passwordOk || user.disabled) throw await failed("password");
      const now = ctx.clock();
      let mfaAt: number | null = null;
      if (mustUseTotp(user)) {
        // A right password without a code gets the wrong password's answer: the answer is no password oracle.
        const verdict =
          totp === undefined
            ? "missing"
            : user.totpSecret
              ? await verifyTotp(ctx.state.counters, user.id, user.totpSecret, totp, now)
              : "invalid";
        if (verdict !== "ok") throw await failed(`totp-${verdict}`);
        mfaAt = Math.floor(now.getTime() / 1000);
      }
      await ctx.lockout.clear(lockKey);
      return loggedIn(request, user, "password", mfaAt);
    },
  );

  app.post(
    "/auth/oidc",
    {
      config: strict,
      schema: {
        tags: ["auth"],
        description: "Exchange an ID token of the configured OIDC issuer for a session.",
        body: z.strictObject({ idToken: fields.jwt }),
        response: { 200: tokenResponse, ...problemResponses },
      },
    },
    async (request) => {
      if (!ctx.verifyOidc) throw new ProblemError(404, "not-found", "no OIDC issuer is configured");
      let identity;
      try {
        identity = await ctx.verifyOidc(request.body.idToken, ctx.clock());
      } catch (err) {
        if (!(err instanceof OidcRejected)) throw err;
        await ctx.audit(request, {
          actor: "anonymous",
          action: "auth.oidc",
          outcome: "denied",
          detail: { reason: err.message.slice(0, 200) },
        });
        throw new ProblemError(401, "invalid-token", "the ID token was not accepted");
      }
      let user = await ctx.users.findByExternalSubject(identity.externalSubject);
      if (!user) {
        ({ user } = await ctx.users.create({
          email: identity.email,
          role: identity.role,
          externalSubject: identity.externalSubject,
          createdBy: "oidc",
        }));
      } else if (user.role !== identity.role) {
        // The identity provider is the source of truth for external users' roles.
        await ctx.users.setRole(user.id, identity.role);
        user = { ...user, role: identity.role };
      }
      if (user.disabled) {
        // Every denial leaves an audit row, as the password path's loginFailed does.
        await ctx.audit(request, {
          actor: user.id,
          action: "auth.oidc",
          outcome: "denied",
          subject: user.id,
          detail: { reason: "user-disabled" },
        });
        throw new ProblemError(401, "invalid-token", "the ID token was not accepted");
      }
      if (mustUseTotp(user) && identity.mfaAt === null) {
        await ctx.audit(request, {
          actor: user.id,
          action: "auth.oidc",
          outcome: "denied",
          subject: user.id,
          detail: { reason: "idp-mfa-missing", role: user.role },
        });
        throw new ProblemError(401, "mfa-required", `role ${user.role} needs a second factor at the identity provider`);
      }
      return loggedIn(request, user, "oidc", identity.mfaAt);
    },
  );

  app.post(
    "/auth/refresh",
    {
      config: strict,
      schema: {
        tags: ["auth"],
        body: z.strictObject({ refreshToken: fields.refreshToken }),
        response: { 200: tokenResponse, ...problemResponses },
      },
    },
    async (request) => {
      const r = await ctx.sessions.rotate(request.body.refreshToken);
      if (r.kind === "reuse") {
        await ctx.sessionCache.revoked(`session:${r.sessionId}`);
        await ctx.audit(request, {
          actor: r.userId,
          action: "auth.refresh.reuse",
          outcome: "denied",
          subject: r.userId,
          detail: { sessionId: r.sessionId, consequence: "session family revoked" },
        });
        throw new ProblemError(401, "invalid-refresh-token", "the refresh token is not valid");
      }
      if (r.kind !== "ok") {
        await ctx.audit(request, {
          actor: "anonymous",
          action: "auth.refresh",
          outcome: "denied",
          detail: { reason: r.kind },
        });
        throw new ProblemError(401, "invalid-refresh-token", "the refresh token is not valid");
      }
      const user = await ctx.users.findById(r.session.userId);
      if (!user || user.disabled || user.role !== r.session.role) {
        await ctx.sessions.revoke(r.session.sessionId);
        await ctx.sessionCache.revoked(`session:${r.session.sessionId}`);
        throw new ProblemError(401, "invalid-refresh-token", "the refresh token is not valid");
      }
      const { token } = await issueAccessToken(
        ctx.keys,
        ctx.tokens,
        { userId: user.id, role: user.role, sessionId: r.session.sessionId, mfaAt: r.session.mfaAt },
        ctx.clock(),
      );
      await ctx.audit(request, {
        actor: user.id,
        action: "auth.refresh",
        outcome: "success",
        subject: user.id,
        detail: { sessionId: r.session.sessionId },
      });
      return {
        accessToken: token,
        tokenType: "Bearer" as const,
        expiresIn: ACCESS_TOKEN_TTL_SECONDS,
        refreshToken: r.refreshToken,
      };
    },
  );

  app.post(
    "/auth/logout",
    {
      preValidation: noBody.preValidation,
      schema: {
        tags: ["auth"],
        security: [{ bearer: [] }],
        body: noBody.schema,
        response: { 204: noContent, ...problemResponses },
      },
    },
    async (request, reply) => {
      const claims = await guard.authenticate(request);
      await ctx.sessions.revoke(claims.sessionId);
      await ctx.sessionCache.revoked(`session:${claims.sessionId}`);
      await ctx.audit(request, {
        actor: claims.userId,
        action: "auth.logout",
        outcome: "success",
        subject: claims.userId,
        detail: { sessionId: claims.sessionId },
      });
      return reply.code(204).send(null);
    },
  );

  // Emergency shutdown, step 3: every session of every user ends, the caller's included.
  app.post(
    "/auth/sessions/revoke-all",
    {
      ...guard.route("sessions.revoke_all"),
      preValidation: noBody.preValidation,
      schema: {
        tags: ["auth"],
        security: [{ bearer: [] }],
        body: noBody.schema,
        response: { 200: z.object({ revoked: z.int() }), ...problemResponses },
      },
    },
    async (request) => {
      const revoked = await ctx.sessions.revokeAll();
      await ctx.sessionCache.revoked("*");
      await ctx.audit(request, {
        actor: request.principal?.userId as string,
        action: "auth.sessions.revoke_all",
        outcome: "success",
        detail: { revoked },
      });
      return { revoked };
    },
  );

  // Step-up: prove the second factor again on the current session, for actions that need it fresh.
  app.post(
    "/auth/mfa",
    {
      config: strict,
      schema: {
        tags: ["auth"],
        security: [{ bearer: [] }],
        body: z.strictObject({ totp: fields.totp }),
        response: { 200: tokenResponse, ...problemResponses },
      },
    },
    async (request) => {
      const claims = await guard.authenticate(request);
      const user = await ctx.users.findById(claims.userId);
      const now = ctx.clock();
      await secondFactor(request, "auth.mfa", claims.userId, async () =>
        user?.totpSecret != null
          ? verifyTotp(ctx.state.counters, user.id, user.totpSecret, request.body.totp, now)
          : "invalid",
      );
      const mfaAt = Math.floor(now.getTime() / 1000);
      await ctx.sessions.markMfa(claims.sessionId, mfaAt);
      await ctx.audit(request, {
        actor: claims.userId,
        action: "auth.mfa",
        outcome: "success",
        subject: claims.userId,
        detail: {},
      });
      const { token } = await issueAccessToken(
        ctx.keys,
        ctx.tokens,
        { userId: claims.userId, role: claims.role, sessionId: claims.sessionId, mfaAt },
        now,
      );
      return { accessToken: token, tokenType: "Bearer" as const, expiresIn: ACCESS_TOKEN_TTL_SECONDS };
    },
  );

  // Self-enrolment of the second factor: the initial secret was seen by whoever created the account, so only a
  // secret the account chose itself counts for approvals. The current secret stays valid until a code of the new
  // one confirms it; confirming ends every other session of the account.
  app.post(
    "/auth/totp/enroll",
    {
      ...guard.route("account.mfa.enroll", { freshMfa: true }),
      preValidation: noBody.preValidation,
      schema: {
        tags: ["auth"],
        security: [{ bearer: [] }],
        body: noBody.schema,
        response: {
          200: z.object({ totpSecret: z.string(), totpUri: z.string() }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const userId = request.principal?.userId as string;
      const user = await ctx.users.findById(userId);
      if (!user || user.externalSubject !== null)
        throw new ProblemError(409, "externally-managed", "this account's second factor is the identity provider's");
      const secret = generateTotpSecret();
      await ctx.users.beginTotpEnrolment(userId, secret);
      await ctx.audit(request, {
        actor: userId,
        action: "auth.totp.enroll",
        outcome: "success",
        subject: userId,
        detail: { stage: "started" },
      });
      return { totpSecret: secret, totpUri: totpUri(secret, user.email ?? userId) };
    },
  );

  app.post(
    "/auth/totp/confirm",
    {
      ...guard.route("account.mfa.enroll", { freshMfa: true }),
      schema: {
        tags: ["auth"],
        security: [{ bearer: [] }],
        body: z.strictObject({ totp: fields.totp }),
        response: { 200: z.object({ enrolled: z.boolean() }), ...problemResponses },
      },
    },
    async (request) => {
      const claims = request.principal as NonNullable<typeof request.principal>;
      const secret = await ctx.users.pendingTotpSecret(claims.userId);
      await secondFactor(request, "auth.totp.enroll", claims.userId, async () =>
        secret
          ? verifyTotp(ctx.state.counters, claims.userId, secret, request.body.totp, ctx.clock())
          : "nothing-pending",
      );
      await ctx.users.completeTotpEnrolment(claims.userId, ctx.clock());
      const ended = await ctx.sessions.revokeOthers(claims.userId, claims.sessionId);
      for (const sid of ended) await ctx.sessionCache.revoked(`session:${sid}`);
      await ctx.audit(request, {
        actor: claims.userId,
        action: "auth.totp.enroll",
        outcome: "success",
        subject: claims.userId,
        detail: { stage: "confirmed", sessionsEnded: ended.length },
      });
      return { enrolled: true };
    },
  );
}
