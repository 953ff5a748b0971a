import type { Redis } from "ioredis";

export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_SECONDS = 15 * 60;

/**
 * Failed-login counting per account key (the email's blind index, so unknown emails lock too and lockout reveals
 * nothing about which accounts exist). The window starts at the first failure.
 */
export class LoginLockout {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async isLocked(accountKey: string): Promise<boolean> {
    const n = Number((await this.redis.get(`${this.prefix}login-fail:${accountKey}`)) ?? 0);
    return n >= MAX_FAILED_LOGINS;
  }

  /** Returns true when this failure is the one that locks the account. */
  async recordFailure(accountKey: string): Promise<boolean> {
    const key = `${this.prefix}login-fail:${accountKey}`;
    const [[, n]] = (await this.redis.multi().incr(key).expire(key, LOCKOUT_SECONDS, "NX").exec()) as [
      [unknown, number],
      [unknown, number],
    ];
    return n === MAX_FAILED_LOGINS;
  }

  async clear(accountKey: string): Promise<void> {
    await this.redis.del(`${this.prefix}login-fail:${accountKey}`);
  }
}
