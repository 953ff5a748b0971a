import type { RequestBudget } from "./budget.ts";
import type { RateLimitOptions } from "./options.ts";
import { ProblemError } from "./problem.ts";

/**
 * The API's one rate limiter. Every request is counted once against its client address, before any work is done
 * for it; an authenticated request is counted once more against its user, once its token is verified; login-type
 * routes also count against the address's much smaller login budget. All counts are sliding 60-second windows in
 * the session state's counters (RequestBudget), shared by every instance.
 */
export class RateLimiter {
  constructor(
    private readonly budget: RequestBudget,
    private readonly limits: RateLimitOptions,
  ) {}

  /** onRequest: the address's budget (and its login budget for login-type routes). Throws 429 when spent. */
  admitAddress(ip: string, loginType: boolean): void {
    if (this.budget.hit(`ip:${ip}`) > this.limits.perIp) {
      throw new ProblemError(429, "rate-limited", "too many requests from this address; retry in a minute");
    }
    if (loginType && this.budget.hit(`login:${ip}`) > this.limits.login) {
      throw new ProblemError(429, "rate-limited", "too many sign-in attempts from this address; retry in a minute");
    }
  }

  /** After authentication: the user's budget, whichever addresses their requests come from. */
  admitUser(userId: string): void {
    if (this.budget.hit(`user:${userId}`) > this.limits.perUser) {
      throw new ProblemError(429, "rate-limited", "too many requests for this user; retry in a minute");
    }
  }
}
