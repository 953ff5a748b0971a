import type { ApiContext } from "./context.ts";

/**
 * Ends every session of an account on every instance: after a role change or a disable, no access token keeps the
 * old standing for its remaining minutes and no refresh token buys a new one.
 */
export async function endUserSessions(ctx: ApiContext, userId: string): Promise<void> {
  await ctx.sessions.revokeAllForUser(userId);
  await ctx.sessionCache.revoked(`user:${userId}`);
}
