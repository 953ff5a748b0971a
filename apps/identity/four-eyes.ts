import { PERMISSIONS, type Role } from "./roles.ts";

/** Permissions that change what the platform does with capital: holding any of them needs a second admin's grant. */
const PRIVILEGED_PERMISSIONS = ["mode.switch.sim", "mode.switch.live", "risk.write", "users.create"] as const;

/** Roles that can approve, switch the mode or change limits; derived from the permission table, not restated. */
export function isPrivilegedRole(role: Role): boolean {
  return PRIVILEGED_PERMISSIONS.some((p) => (PERMISSIONS[p] as readonly string[]).includes(role));
}

/** What the four-eyes rule needs to know about an account. */
export interface Party {
  id: string;
  role?: Role;
  /** Who created the account (a user id, or "cli:<name>" for the bootstrap command). */
  createdBy?: string | null;
  /** Who asked for the account's current privileged role. */
  grantedBy?: string | null;
  /** The account proved a second factor that it enrolled itself (its creator never saw the secret). */
  totpEnrolled?: boolean;
  disabled?: boolean;
}

/**
 * Why `approver` may not approve what `requester` asked for, or null when they are two people. Two accounts are
 * one person for this rule when one created or promoted the other: an admin who makes a second admin account holds
 * both. The approver must also be an admin in the database (not just in a token), and must have enrolled its own
 * second factor, so the creator's copy of the initial TOTP secret cannot approve in its name.
 */
export function approvalRefusal(approver: Party, requester: Party): string | null {
  if (approver.id === requester.id) return "a second, different admin must approve";
  if (approver.disabled || approver.role !== "admin") return "only an active admin may approve";
  if (!approver.totpEnrolled) return "enroll your own second factor before approving anything: POST /auth/totp/enroll";
  if (approver.createdBy === requester.id || approver.grantedBy === requester.id)
    return "the requester created or promoted the approving account: another admin must approve";
  if (requester.createdBy === approver.id || requester.grantedBy === approver.id)
    return "the approving account created or promoted the requester: another admin must approve";
  return null;
}
