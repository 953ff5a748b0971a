import type { FastifyRequest } from "fastify";
import { timingSafeEqual } from "node:crypto";
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

  async function authenticate(request: FastifyRequest): Promise<AccessClaims> {
    const header = request.headers.authorization;
    if (typeof header !== "string" || !header.startsWith("Bearer ") || header.length > 4096) {
      throw new ProblemError(401, "unauthenticated", "a bearer access token is required");
    }
    const token = header.slice(7);
    const now = ctx.clock();
    const nowSeconds = Math.floor(now.getTime() / 1000);
    let claims = cache.get(token, nowSeconds);
    if (!claims) {
      try {
        claims = await verifyAccessToken(ctx.keys, ctx.tokens, token, now);
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
      cache.set(token, claims);
    }
    // Revocation is cached for a second (revocations are pushed) and the user's budget is counted locally and shared
    // through the session state every 100 ms: the hot path of an authenticated request makes no round trip to it.
    const active = await ctx.sessionCache.isActive(claims.sessionId, claims.userId);
    request.principal = claims;
    if (!active) {
      request.principal = null;
      await ctx.audit(request, {
        actor: claims.userId,
        action: "auth.session.revoked_token",
        outcome: "denied",
        subject: claims.userId,
        detail: { sessionId: claims.sessionId },
      });
      throw new ProblemError(401, "session-revoked", "the session has ended; log in again");
    }
    ctx.limiter.admitUser(claims.userId);
    return claims;
  }

  /** preHandler for a route: authenticated, allowed by role, and with a fresh second factor when asked. */
  function require(permission: Permission, opts: GuardOptions = {}) {
    return async (request: FastifyRequest): Promise<void> => {
      const claims = await authenticate(request);
      if (!allows(claims.role, permission)) {
        await ctx.audit(request, {
          actor: claims.userId,
          action: "authz.denied",
          outcome: "denied",
          subject: claims.userId,
          detail: { permission, role: claims.role, route: request.routeOptions.url ?? "unmatched" },
        });
        throw new ProblemError(403, "forbidden", `role ${claims.role} may not ${permission}`);
      }
      if (opts.freshMfa) {
        const nowSeconds = Math.floor(ctx.clock().getTime() / 1000);
        if (claims.mfaAt === null || nowSeconds - claims.mfaAt > MFA_FRESH_SECONDS) {
          await ctx.audit(request, {
            actor: claims.userId,
            action: "authz.mfa_stale",
            outcome: "denied",
            subject: claims.userId,
            detail: { permission, mfaAt: claims.mfaAt },
          });
          throw new ProblemError(
            401,
            "mfa-required",
            `this action needs a second factor proven within ${MFA_FRESH_SECONDS / 60} minutes: POST /auth/mfa`,
          );
        }
      }
    };
  }

  /**
   * Route options for a guarded route. The guard runs in preParsing: after the per-address limiter (an onRequest
   * hook, so a flood of forged tokens is cut off before any signature is checked) and before the body is read (so
   * nobody unauthenticated gets a body parsed).
   */
  function route(permission: Permission, opts: GuardOptions = {}) {
    const check = require(permission, opts);
    return {
      preParsing: async <T>(request: FastifyRequest, _reply: unknown, payload: T): Promise<T> => {
        await check(request);
        return payload;
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
