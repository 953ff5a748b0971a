import type { Redis } from "ioredis";

export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_SECONDS = 15 * 60;

/** An attempt was admitted (it is the n-th of the window) or refused because the account is locked. */
export type Reservation = { locked: true } | { locked: false; attempt: number; locksOnFailure: boolean };

// Check and count in one step: an attempt is counted before its password or code is verified, so parallel
// attempts cannot all pass the check before any failure is recorded. The window starts at the first attempt.
const RESERVE = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then return -1 end
n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return n
`;

/**
 * The lockout's account keys. Unknown emails count under their blind index: a Redis counter that expires with the
 * lockout window and is never written to the database; erasure deletes the erased address's counter at once.
 */
export const lockKeys = {
  user: (userId: string) => `user:${userId}`,
  email: (emailIndex: Buffer) => `email:${emailIndex.toString("hex")}`,
};

/**
 * Attempt counting per account key: every password and second-factor attempt of an account, on any route, reserves
 * one of MAX_FAILED_LOGINS slots before it is checked; a success frees them all. Keys are the user id for known
 * accounts and the email's blind index for unknown ones, so unknown emails lock too and a lockout reveals nothing
 * about which accounts exist.
 */
export class LoginLockout {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async reserve(accountKey: string): Promise<Reservation> {
    const n = Number(
      await this.redis.eval(RESERVE, 1, `${this.prefix}login-fail:${accountKey}`, MAX_FAILED_LOGINS, LOCKOUT_SECONDS),
    );
    return n < 0 ? { locked: true } : { locked: false, attempt: n, locksOnFailure: n === MAX_FAILED_LOGINS };
  }

  async clear(accountKey: string): Promise<void> {
    await this.redis.del(`${this.prefix}login-fail:${accountKey}`);
  }
}
