import { z } from "zod";

export const ROLES = ["viewer", "trader", "operator", "admin", "auditor", "compliance"] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

/** Roles that can change what the platform does or see audit and personal data need a second factor. */
const MFA_ROLES: ReadonlySet<Role> = new Set(["operator", "admin", "compliance"]);

export function requiresMfa(role: Role): boolean {
  return MFA_ROLES.has(role);
}

/** What each permission needs. One table, so a reviewer can read who may do what at a glance. */
export const PERMISSIONS = {
  "mode.read": ["viewer", "trader", "operator", "admin", "auditor", "compliance"],
  "mode.validate": ["operator", "admin"],
  "mode.switch.sim": ["operator", "admin"],
  "mode.switch.live": ["admin"],
  "killswitch.set": ["operator", "admin"],
  "trading.read": ["viewer", "trader", "operator", "admin", "auditor", "compliance"],
  "risk.read": ["viewer", "trader", "operator", "admin", "auditor", "compliance"],
  "risk.write": ["admin"],
  "audit.read": ["auditor", "compliance", "admin"],
  "compliance.report.read": ["auditor", "compliance", "admin", "operator"],
  "compliance.report.write": ["compliance", "admin"],
  "gdpr.request": ["compliance"],
  "users.create": ["admin"],
  "users.read": ["admin"],
  "users.disable": ["admin"],
  "sessions.revoke_all": ["operator", "admin"],
  "account.mfa.enroll": ["viewer", "trader", "operator", "admin", "auditor", "compliance"],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function allows(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}
