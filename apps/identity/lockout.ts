import type { Counters } from "./state/index.ts";

export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_SECONDS = 15 * 60;

/** An attempt was admitted (it is the n-th of the window) or refused because the account is locked. */
export type Reservation = { locked: true } | { locked: false; attempt: number; locksOnFailure: boolean };

/**
 * The lockout's account keys. Unknown emails count under their blind index: a counter of the session state (Redis,
 * or an UNLOGGED PostgreSQL table) that expires with the lockout window and is never in a durable table; erasure
 * deletes the erased address's counter at once.
 */
export const lockKeys = {
  user: (userId: string) => `user:${userId}`,
  email: (emailIndex: Buffer) => `email:${emailIndex.toString("hex")}`,
};

/**
 * Attempt counting per account key: every password and second-factor attempt of an account, on any route, reserves
 * one of MAX_FAILED_LOGINS slots before it is checked (so parallel attempts cannot all pass the check before any
 * failure is recorded); a success frees them all. The window starts at the first attempt. Keys are the user id for
 * known accounts and the email's blind index for unknown ones, so unknown emails lock too and a lockout reveals
 * nothing about which accounts exist.
 */
export class LoginLockout {
  constructor(private readonly counters: Counters) {}

  async reserve(accountKey: string): Promise<Reservation> {
    const n = await this.counters.reserve(`login-fail:${accountKey}`, MAX_FAILED_LOGINS, LOCKOUT_SECONDS);
    return n === null ? { locked: true } : { locked: false, attempt: n, locksOnFailure: n === MAX_FAILED_LOGINS };
  }

  async clear(accountKey: string): Promise<void> {
    await this.counters.clear(`login-fail:${accountKey}`);
  }
}
