import type { FastifyRequest } from "fastify";
import { timingSafeEqual } from "node:crypto";
import type { AuditEvent } from "../audit/index.ts";
import { allows, InvalidToken, verifyAccessToken, type AccessClaims, type Permission } from "../identity/index.ts";
import type { ApiContext } from "./context.ts";
import { ProblemError } from "./problem.ts";

/** Second-factor proofs older than this do not count for dangerous actions (mode switches, limit changes). */
export const MFA_FRESH_SECONDS = 300;

const CACHE_MAX = 10_000;

/**
 * Verified access tokens by their exact string, until they expire. Signature checks dominate the cost of an
 * authenticated request; the session-revocation check below still runs on every request.
 */
class VerifiedTokenCache {
  private readonly entries = new Map<string, AccessClaims>();

  get(token: string, nowSeconds: number): AccessClaims | undefined {
    const c = this.entries.get(token);
    if (c && c.expiresAt <= nowSeconds) {
      this.entries.delete(token);
      return undefined;
    }
    return c;
  }

  set(token: string, claims: AccessClaims): void {
    if (this.entries.size >= CACHE_MAX) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(token, claims);
  }
}

export interface GuardOptions {
  /** Require a second factor proven within MFA_FRESH_SECONDS. */
  freshMfa?: boolean;
}

export function createGuard(ctx: ApiContext) {
  const cache = new VerifiedTokenCache();

  /**
   * The request's verified claims. The usual authenticated request (token verified before, session seen alive within
   * the session cache's TTL) is settled without a promise: the claims come back as they are, and only a request that
   * must wait (a signature to check, a session to look up, a denial row to write) gets a promise. A 401 or 429 may be
   * thrown rather than returned as a rejected promise; `await` treats both alike.
   */
  function authenticate(request: FastifyRequest): AccessClaims | Promise<AccessClaims> {
    const header = request.headers.authorization;
    if (typeof header !== "string" || !header.startsWith("Bearer ") || header.length > 4096) {
      throw new ProblemError(401, "unauthenticated", "a bearer access token is required");
    }
    const token = header.slice(7);
    const now = ctx.clock();
    const claims = cache.get(token, Math.floor(now.getTime() / 1000));
    if (claims === undefined) return verify(request, token, now).then((verified) => admitSession(request, verified));
    return admitSession(request, claims);
  }

  async function verify(request: FastifyRequest, token: string, now: Date): Promise<AccessClaims> {
    try {
      const claims = await verifyAccessToken(ctx.keys, ctx.tokens, token, now);
      cache.set(token, claims);
      return claims;
    } catch (err) {
      if (err instanceof InvalidToken) {
        await ctx.audit(request, {
          actor: "anonymous",
          action: "auth.token.rejected",
          outcome: "denied",
          detail: { reason: err.message, route: request.routeOptions.url ?? "unmatched" },
        });
        throw new ProblemError(401, "invalid-token", "the access token is invalid or expired");
      }
      throw err;
    }
  }

  // Revocation is cached for a second (revocations are pushed) and the user's budget is counted locally and shared
  // through the session state every 100 ms: the hot path of an authenticated request makes no round trip to it.
  function admitSession(request: FastifyRequest, claims: AccessClaims): AccessClaims | Promise<AccessClaims> {
    if (ctx.sessionCache.seenAlive(claims.sessionId)) return admitUser(request, claims);
    return ctx.sessionCache.isActive(claims.sessionId, claims.userId).then(async (active) => {
      if (active) return admitUser(request, claims);
      request.principal = null;
      await ctx.audit(request, {
        actor: claims.userId,
        action: "auth.session.revoked_token",
        outcome: "denied",
        subject: claims.userId,
        detail: { sessionId: claims.sessionId },
      });
      throw new ProblemError(401, "session-revoked", "the session has ended; log in again");
    });
  }

  function admitUser(request: FastifyRequest, claims: AccessClaims): AccessClaims {
    request.principal = claims;
    ctx.limiter.admitUser(claims.userId);
    return claims;
  }

  /**
   * A route's check: authenticated, allowed by role, and with a fresh second factor when asked. Returns nothing when
   * it passes without waiting (see `authenticate`), else a promise; a refusal is thrown or rejects.
   */
  function require(permission: Permission, opts: GuardOptions = {}) {
    return (request: FastifyRequest): void | Promise<void> => {
      const claims = authenticate(request);
      if (claims instanceof Promise) return claims.then((c) => authorize(request, c, permission, opts));
      return authorize(request, claims, permission, opts);
    };
  }

  function authorize(
    request: FastifyRequest,
    claims: AccessClaims,
    permission: Permission,
    opts: GuardOptions,
  ): void | Promise<void> {
    if (!allows(claims.role, permission)) {
      return deny(
        request,
        {
          actor: claims.userId,
          action: "authz.denied",
          outcome: "denied",
          subject: claims.userId,
          detail: { permission, role: claims.role, route: request.routeOptions.url ?? "unmatched" },
        },
        new ProblemError(403, "forbidden", `role ${claims.role} may not ${permission}`),
      );
    }
    if (opts.freshMfa) {
      const nowSeconds = Math.floor(ctx.clock().getTime() / 1000);
      if (claims.mfaAt === null || nowSeconds - claims.mfaAt > MFA_FRESH_SECONDS) {
        return deny(
          request,
          {
            actor: claims.userId,
            action: "authz.mfa_stale",
            outcome: "denied",
            subject: claims.userId,
            detail: { permission, mfaAt: claims.mfaAt },
          },
          new ProblemError(
            401,
            "mfa-required",
            `this action needs a second factor proven within ${MFA_FRESH_SECONDS / 60} minutes: POST /auth/mfa`,
          ),
        );
      }
    }
  }

  /** Writes the denial's ledger row, then refuses with `refusal`. */
  async function deny(request: FastifyRequest, event: AuditEvent, refusal: ProblemError): Promise<never> {
    await ctx.audit(request, event);
    throw refusal;
  }

  /**
   * Route options for a guarded route. The guard runs in preParsing: after the per-address limiter (an onRequest
   * hook, so a flood of forged tokens is cut off before any signature is checked) and before the body is read (so
   * nobody unauthenticated gets a body parsed).
   */
  function route(permission: Permission, opts: GuardOptions = {}) {
    const check = require(permission, opts);
    return {
      // Callback style: the usual request passes without a promise (`require` returns nothing for it).
      preParsing: <T>(
        request: FastifyRequest,
        _reply: unknown,
        payload: T,
        done: (err: Error | null, payload?: T) => void,
      ) => {
        let waiting: void | Promise<void>;
        try {
          waiting = check(request);
        } catch (err) {
          done(err as Error);
          return;
        }
        if (waiting === undefined) done(null, payload);
        else
          waiting.then(
            () => done(null, payload),
            (err: unknown) => done(err as Error),
          );
      },
    };
  }

  return { authenticate, require, route };
}

export type Guard = ReturnType<typeof createGuard>;

/** Compares a typed confirmation phrase without leaking how much of it matched. */
export function phraseMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given, "utf8");
  const b = Buffer.from(expected, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}
